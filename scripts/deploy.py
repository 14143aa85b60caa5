"""Print (or run, with --execute) the `gcloud functions deploy` command for each function.

Reads deploy.yaml; secrets are bound from Secret Manager (`NAME=NAME:latest`), never
passed as values. Dry run by default.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_manifest(path: Path = ROOT / "deploy.yaml") -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load(path.read_text())
    return manifest


def entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Each function with the defaults filled in; its secrets are the defaults' plus its own."""
    defaults = manifest.get("defaults", {})
    out = []
    for fn in manifest["functions"]:
        merged = {**defaults, **fn}
        merged["secrets"] = sorted(set(defaults.get("secrets", [])) | set(fn.get("secrets", [])))
        merged["env"] = {**defaults.get("env", {}), **fn.get("env", {})}
        out.append(merged)
    return out


def command(fn: dict[str, Any], project: str | None) -> list[str]:
    cmd = [
        "gcloud",
        "functions",
        "deploy",
        fn["name"],
        "--gen2",
        f"--runtime={fn['runtime']}",
        f"--region={fn['region']}",
        f"--source={fn['source']}",
        f"--entry-point={fn['entry_point']}",
        "--trigger-http",
        "--allow-unauthenticated",  # the functions authenticate callers themselves
        f"--memory={fn['memory']}",
        f"--timeout={fn['timeout']}",
        f"--max-instances={fn['max_instances']}",
    ]
    if fn["env"]:
        cmd.append("--set-env-vars=" + ",".join(f"{k}={v}" for k, v in sorted(fn["env"].items())))
    if fn["secrets"]:
        cmd.append("--set-secrets=" + ",".join(f"{s}={s}:latest" for s in fn["secrets"]))
    if project:
        cmd.append(f"--project={project}")
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--execute", action="store_true", help="run the commands instead of printing them")
    parser.add_argument("--project", help="Google Cloud project id")
    parser.add_argument("--only", action="append", help="deploy only these function names")
    args = parser.parse_args(argv)
    selected = [fn for fn in entries(load_manifest()) if not args.only or fn["name"] in args.only]
    for fn in selected:
        cmd = command(fn, args.project)
        print(shlex.join(cmd))
        if args.execute:
            subprocess.run(cmd, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
