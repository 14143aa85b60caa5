"""deploy.yaml from the router's declarations, and the `gcloud` commands that deploy it.

    python scripts/deploy.py            # print one deploy command per index and target (dry run)
    python scripts/deploy.py --execute  # run them
    python scripts/deploy.py --write    # regenerate deploy.yaml and firestore.indexes.json (tests keep them current)

Targets: `api` (every route of the Base44 API, one gen2 function) and each
documented function on its own. Secrets are bound from Secret Manager
(`NAME=NAME:latest`), never passed as values. The Firestore composite indexes
(`firestore.indexes.json`, generated from the entity declarations) are created
first, so no query of a new release meets a missing index.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "deploy.yaml"
INDEXES = ROOT / "firestore.indexes.json"
HEADER = "# Generated from the router's declarations by `python scripts/deploy.py --write`; do not edit.\n"
DEFAULTS = {"runtime": "python311", "region": "us-central1", "source": ".", "trigger": "http"}
PLAIN_ENV = {
    "SPARK_ENV": "production",
    # The peer of every request is Google's front end (link-local); it appends the client's
    # address to X-Forwarded-For, which is believed only from this range.
    "TRUSTED_PROXIES": "169.254.0.0/16",
}


def _target(name: str, deploy: Any, secrets: set[str], env: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "entry_point": name,
        "memory": deploy.memory,
        "timeout": deploy.timeout,
        "max_instances": deploy.max_instances,
        "secrets": sorted(secrets),
        "env": dict(sorted({**PLAIN_ENV, **env}.items())),
    }


def manifest() -> dict[str, Any]:
    """The deployment manifest, from the declarations alone."""
    sys.path.insert(0, str(ROOT))
    from app import api as service
    from shared import router
    from shared.firestore import TTL_FIELDS

    service.install()
    routes = router.all_routes()
    functions = [r for r in routes if r.function]
    api = _target(
        "api",
        router.API_DEPLOY,
        {s for r in routes for s in r.spec.required_settings},
        {k: v for r in routes for k, v in r.deploy.env},
    )
    return {
        "defaults": DEFAULTS,
        "targets": [
            api,
            *(_target(r.name, r.deploy, set(r.spec.required_settings), dict(r.deploy.env)) for r in functions),
        ],
        "firestore_ttl": [{"collection": c, "field": f} for c, f in TTL_FIELDS],
    }


def render() -> str:
    return HEADER + yaml.safe_dump(manifest(), sort_keys=False, default_flow_style=False)


def render_indexes() -> str:
    sys.path.insert(0, str(ROOT))
    from entities import indexes

    return json.dumps(indexes.document(), indent=2) + "\n"


def index_commands(project: str | None) -> list[list[str]]:
    """One `gcloud firestore indexes composite create` per declared index."""
    commands = []
    for index in json.loads(INDEXES.read_text())["indexes"]:
        cmd = [
            "gcloud",
            "firestore",
            "indexes",
            "composite",
            "create",
            f"--collection-group={index['collectionGroup']}",
            f"--query-scope={index['queryScope'].lower()}",
            "--async",
        ]
        for field in index["fields"]:
            if "arrayConfig" in field:
                cmd.append(f"--field-config=field-path={field['fieldPath']},array-config=contains")
            else:
                cmd.append(f"--field-config=field-path={field['fieldPath']},order={field['order'].lower()}")
        if project:
            cmd.append(f"--project={project}")
        commands.append(cmd)
    return commands


def create_index(cmd: list[str]) -> None:
    """Run one index creation; an index already there is what was wanted."""
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0 and "ALREADY_EXISTS" not in done.stderr:
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, cmd)


def command(target: dict[str, Any], project: str | None) -> list[str]:
    fn = {**DEFAULTS, **target}
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
        "--allow-unauthenticated",  # the targets authenticate callers themselves
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--execute", action="store_true", help="run the commands instead of printing them")
    parser.add_argument("--write", action="store_true", help="regenerate deploy.yaml from the declarations")
    parser.add_argument("--project", help="Google Cloud project id")
    parser.add_argument("--only", action="append", help="deploy only these targets")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_ENV", "production")
    if args.write:
        MANIFEST.write_text(render())
        INDEXES.write_text(render_indexes())
        return 0
    if not args.only:
        for cmd in index_commands(args.project):
            print(shlex.join(cmd))
            if args.execute:
                create_index(cmd)
    targets = yaml.safe_load(MANIFEST.read_text())["targets"]
    for target in targets:
        if args.only and target["name"] not in args.only:
            continue
        cmd = command(target, args.project)
        print(shlex.join(cmd))
        if args.execute:
            subprocess.run(cmd, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
