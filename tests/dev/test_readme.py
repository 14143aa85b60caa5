"""The README's list of functions is the router's registry (regenerate: scripts/readme_functions.py --write)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from shared import router

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_registered_function_as_generated() -> None:
    spec = importlib.util.spec_from_file_location("readme_functions", ROOT / "scripts" / "readme_functions.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    readme = (ROOT / "README.md").read_text()
    assert generator.with_table(readme) == readme
    listed = re.findall(r"^\| `(\w+)` \|", readme.split(generator.START)[1].split(generator.END)[0], re.MULTILINE)
    assert listed == router.function_names()
