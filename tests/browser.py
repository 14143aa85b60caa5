"""Headless Chromium (Debian's package) for the tests that look at pages as a browser runs them."""

from __future__ import annotations

import contextlib
import html
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def rendered_dom(url: str, profile: Path, budget_ms: int = 15000, *flags: str) -> str:
    """The page's DOM after its scripts ran (virtual time lets them finish without waiting it out)."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed: scripts/test.sh installs it"
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # tests run as root in CI
            "--disable-gpu",
            "--no-first-run",
            *flags,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return result.stdout


def harness_result(dom: str) -> dict[str, Any]:
    """What a test harness page wrote, as JSON, into its `<pre id="result">`."""
    start = dom.index('<pre id="result">') + len('<pre id="result">')
    out: dict[str, Any] = json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))
    assert "crashed" not in out, out.get("crashed")
    return out


@contextlib.contextmanager
def browser_page() -> Iterator[Any]:
    """A page of headless Chromium driven through Playwright, for tests that fill forms and click."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed: scripts/test.sh installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield browser.new_page()
        finally:
            browser.close()
