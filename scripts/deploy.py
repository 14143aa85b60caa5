"""deploy.yaml from the router's declarations, and the commands that deploy it from zero.

    python scripts/deploy.py --project=ID --base-url=https://... --dry-run   # print the plan
    python scripts/deploy.py --project=ID --base-url=https://... --execute   # run it
    python scripts/deploy.py --write    # regenerate deploy.yaml and firestore.indexes.json (tests keep them current)

The plan, in order: enable the APIs; create the Firestore database and its TTL
policies, the bucket, the service accounts (the functions' runtime identity, and the
one Pub/Sub pushes jobs as) and their roles, each secret with `secretAccessor` for the
runtime identity, and the job topics; then the composite indexes and the security
rules; then every function; last the job queue's push subscriptions (retry policy and
dead-letter topic) to `jobWorker`, which only the push identity may invoke. Every step
may run again: a thing already there is what was wanted. `--only NAME` deploys some
functions only (a release of code on a project set up before).

Targets: `api` (every route of the Base44 API, one gen2 function), `jobWorker` (the
background jobs, not public) and each documented function on its own. Secrets are
bound from Secret Manager (`NAME=NAME:latest`), never passed as values; their values
are added once by a person (`gcloud secrets versions add`), see README, Deploying.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

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
WORKER = "jobWorker"
APIS = (
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
)
RUNTIME_ACCOUNT = "sparkacademy-functions"
PUSH_ACCOUNT = "sparkacademy-jobs-push"
# The runtime identity's project roles: the database, publishing jobs, writing logs.
RUNTIME_ROLES = ("roles/datastore.user", "roles/pubsub.publisher", "roles/logging.logWriter")
PUBLISHER, SUBSCRIBER = "--role=roles/pubsub.publisher", "--role=roles/pubsub.subscriber"
FIREBASE_TOOLS = "firebase-tools@15.34.2"
# Output of a step whose thing exists already: the step is done.
ALREADY = ("ALREADY_EXISTS", "already exists")


def _target(name: str, deploy: Any, secrets: set[str], env: dict[str, str], public: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "entry_point": name,
        "public": public,
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
    from shared import queue, router
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
    worker = _target(WORKER, queue.WORKER_DEPLOY, set(queue.WORKER_SETTINGS), dict(queue.WORKER_DEPLOY.env), False)
    names = queue.names("jobs")
    return {
        "defaults": DEFAULTS,
        "targets": [
            api,
            worker,
            *(_target(r.name, r.deploy, set(r.spec.required_settings), dict(r.deploy.env)) for r in functions),
        ],
        "queue": {
            "topic": names.topic,
            "subscription": names.worker,
            "dead_letter_topic": names.dead_letter_topic,
            "dead_letter_subscription": names.dead_letter_worker,
            "push_target": WORKER,
            "ack_deadline_seconds": queue.ACK_DEADLINE_SECONDS,
            "max_delivery_attempts": queue.MAX_DELIVERY_ATTEMPTS,
            "min_retry_delay_seconds": queue.MIN_BACKOFF_SECONDS,
            "max_retry_delay_seconds": queue.MAX_BACKOFF_SECONDS,
        },
        "firestore_ttl": [{"collection": c, "field": f} for c, f in TTL_FIELDS],
    }


def render() -> str:
    return HEADER + yaml.safe_dump(manifest(), sort_keys=False, default_flow_style=False)


def render_indexes() -> str:
    sys.path.insert(0, str(ROOT))
    from entities import indexes

    return json.dumps(indexes.document(), indent=2) + "\n"


class Settings(NamedTuple):
    """What one deployment is of: the project, where, and the address its users reach."""

    project: str
    base_url: str
    region: str = "us-central1"
    bucket: str = ""
    project_number: str = "PROJECT_NUMBER"

    @property
    def files_bucket(self) -> str:
        return self.bucket or f"{self.project}-files"

    def account(self, name: str) -> str:
        return f"{name}@{self.project}.iam.gserviceaccount.com"

    @property
    def pubsub_agent(self) -> str:
        """Pub/Sub's own identity in the project: it moves messages to the dead-letter topic."""
        return f"service-{self.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"

    def function_url(self, name: str) -> str:
        return f"https://{self.region}-{self.project}.cloudfunctions.net/{name}"


def setup_commands(s: Settings, manifest_: dict[str, Any]) -> list[list[str]]:
    """Everything the functions rely on, before any of them is deployed."""
    p = f"--project={s.project}"
    runtime = s.account(RUNTIME_ACCOUNT)
    queue_ = manifest_["queue"]
    secrets = sorted({name for target in manifest_["targets"] for name in target["secrets"]})
    commands = [
        ["gcloud", "services", "enable", *APIS, p],
        ["gcloud", "firestore", "databases", "create", f"--location={s.region}", "--type=firestore-native", p],
        *(
            [
                "gcloud",
                "firestore",
                "fields",
                "ttls",
                "update",
                ttl["field"],
                f"--collection-group={ttl['collection']}",
                "--enable-ttl",
                "--async",
                p,
            ]
            for ttl in manifest_["firestore_ttl"]
        ),
        [
            "gcloud",
            "storage",
            "buckets",
            "create",
            f"gs://{s.files_bucket}",
            f"--location={s.region}",
            "--uniform-bucket-level-access",
            p,
        ],
        ["gcloud", "iam", "service-accounts", "create", RUNTIME_ACCOUNT, "--display-name=SparkAcademy functions", p],
        ["gcloud", "iam", "service-accounts", "create", PUSH_ACCOUNT, "--display-name=SparkAcademy job pushes", p],
        *(
            [
                "gcloud",
                "projects",
                "add-iam-policy-binding",
                s.project,
                f"--member=serviceAccount:{runtime}",
                f"--role={role}",
                "--condition=None",
            ]
            for role in RUNTIME_ROLES
        ),
        [
            "gcloud",
            "storage",
            "buckets",
            "add-iam-policy-binding",
            f"gs://{s.files_bucket}",
            f"--member=serviceAccount:{runtime}",
            "--role=roles/storage.objectAdmin",
            p,
        ],
        # Signed links to files are signed by the runtime identity itself (IAM signBlob).
        [
            "gcloud",
            "iam",
            "service-accounts",
            "add-iam-policy-binding",
            runtime,
            f"--member=serviceAccount:{runtime}",
            "--role=roles/iam.serviceAccountTokenCreator",
            p,
        ],
    ]
    for secret in secrets:
        commands.append(["gcloud", "secrets", "create", secret, "--replication-policy=automatic", p])
        commands.append(
            [
                "gcloud",
                "secrets",
                "add-iam-policy-binding",
                secret,
                f"--member=serviceAccount:{runtime}",
                "--role=roles/secretmanager.secretAccessor",
                p,
            ]
        )
    for topic in (queue_["topic"], queue_["dead_letter_topic"]):
        commands.append(["gcloud", "pubsub", "topics", "create", topic, p])
    return commands


def index_commands(project: str) -> list[list[str]]:
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
        cmd.append(f"--project={project}")
        commands.append(cmd)
    return commands


def rules_command(project: str) -> list[str]:
    """The security rules of firebase.json (no client reaches Firestore directly: they refuse everything)."""
    return [
        "npx",
        "--yes",
        FIREBASE_TOOLS,
        "deploy",
        "--only=firestore:rules",
        f"--project={project}",
        "--non-interactive",
    ]


def function_command(target: dict[str, Any], s: Settings) -> list[str]:
    fn = {**DEFAULTS, **target, "region": s.region}
    env = {
        **fn["env"],
        "GOOGLE_CLOUD_PROJECT": s.project,
        "PUBLIC_BASE_URL": s.base_url,
    }
    env = {k: (s.files_bucket if v == "${STORAGE_BUCKET}" else v) for k, v in env.items()}
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
        # Public targets authenticate callers themselves; the worker is for Pub/Sub's pushes alone.
        "--allow-unauthenticated" if fn.get("public", True) else "--no-allow-unauthenticated",
        f"--service-account={s.account(RUNTIME_ACCOUNT)}",
        f"--memory={fn['memory']}",
        f"--timeout={fn['timeout']}",
        f"--max-instances={fn['max_instances']}",
        "--set-env-vars=" + ",".join(f"{k}={v}" for k, v in sorted(env.items())),
    ]
    if fn["secrets"]:
        cmd.append("--set-secrets=" + ",".join(f"{name}={name}:latest" for name in fn["secrets"]))
    cmd.append(f"--project={s.project}")
    return cmd


def queue_commands(s: Settings, manifest_: dict[str, Any]) -> list[list[str]]:
    """The push subscriptions to the worker, and who may do what in them."""
    q, p = manifest_["queue"], f"--project={s.project}"
    push, url = s.account(PUSH_ACCOUNT), s.function_url(q["push_target"])
    push_flags = [f"--push-endpoint={url}", f"--push-auth-service-account={push}", f"--push-auth-token-audience={url}"]
    agent = f"--member=serviceAccount:{s.pubsub_agent}"
    return [
        [
            "gcloud",
            "functions",
            "add-invoker-policy-binding",
            q["push_target"],
            f"--region={s.region}",
            f"--member=serviceAccount:{push}",
            p,
        ],
        [
            "gcloud",
            "pubsub",
            "subscriptions",
            "create",
            q["subscription"],
            f"--topic={q['topic']}",
            *push_flags,
            f"--ack-deadline={q['ack_deadline_seconds']}",
            f"--dead-letter-topic={q['dead_letter_topic']}",
            f"--max-delivery-attempts={q['max_delivery_attempts']}",
            f"--min-retry-delay={q['min_retry_delay_seconds']}s",
            f"--max-retry-delay={q['max_retry_delay_seconds']}s",
            p,
        ],
        [
            "gcloud",
            "pubsub",
            "subscriptions",
            "create",
            q["dead_letter_subscription"],
            f"--topic={q['dead_letter_topic']}",
            *push_flags,
            "--ack-deadline=60",
            p,
        ],
        # Pub/Sub moves a message to the dead-letter topic as its own service agent.
        ["gcloud", "pubsub", "topics", "add-iam-policy-binding", q["dead_letter_topic"], agent, PUBLISHER, p],
        ["gcloud", "pubsub", "subscriptions", "add-iam-policy-binding", q["subscription"], agent, SUBSCRIBER, p],
    ]


def plan(s: Settings, only: list[str] | None = None) -> list[list[str]]:
    """Every command of a deployment from zero, in order; with `only`, those functions' deploys alone."""
    manifest_ = yaml.safe_load(MANIFEST.read_text())
    targets = manifest_["targets"]
    if only:
        unknown = sorted(set(only) - {t["name"] for t in targets})
        if unknown:
            raise SystemExit(f"deploy.py: no such target: {', '.join(unknown)}")
        return [function_command(t, s) for t in targets if t["name"] in only]
    return [
        *setup_commands(s, manifest_),
        *index_commands(s.project),
        rules_command(s.project),
        *(function_command(t, s) for t in targets),
        *queue_commands(s, manifest_),
    ]


def run(cmd: list[str]) -> None:
    """Run one step; a thing that exists already is what was wanted."""
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    if done.returncode != 0 and not any(word in done.stderr for word in ALREADY):
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, cmd)


def project_number(project: str) -> str:
    found = subprocess.run(
        ["gcloud", "projects", "describe", project, "--format=value(projectNumber)"],
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip()


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname or parts.hostname in ("localhost", "127.0.0.1"):
        raise argparse.ArgumentTypeError("not an https address users reach (links, QR codes and CORS use it)")
    return raw.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the commands without running them (default)")
    mode.add_argument("--execute", action="store_true", help="run the commands")
    mode.add_argument("--write", action="store_true", help="regenerate deploy.yaml and firestore.indexes.json")
    parser.add_argument("--project", help="Google Cloud project id")
    parser.add_argument("--project-number", help="the project's number (looked up with gcloud when executing)")
    parser.add_argument("--base-url", type=_base_url, help="https address users reach (PUBLIC_BASE_URL)")
    parser.add_argument("--region", default=DEFAULTS["region"], help="region of the functions, database and bucket")
    parser.add_argument("--bucket", default="", help="bucket of the files the product keeps (default: PROJECT-files)")
    parser.add_argument("--only", action="append", help="deploy only these functions (repeat or comma-separate)")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_ENV", "production")
    if args.write:
        MANIFEST.write_text(render())
        INDEXES.write_text(render_indexes())
        return 0
    missing = [flag for flag, value in (("--project", args.project), ("--base-url", args.base_url)) if not value]
    if missing:
        parser.error(f"{' and '.join(missing)} required: a plan without them would deploy local defaults")
    number = args.project_number or (project_number(args.project) if args.execute else "PROJECT_NUMBER")
    settings = Settings(args.project, args.base_url, args.region, args.bucket, number)
    only = [name for value in args.only or () for name in value.split(",") if name]
    for cmd in plan(settings, only):
        print(shlex.join(cmd), flush=True)
        if args.execute:
            run(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
