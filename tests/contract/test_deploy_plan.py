"""The deploy plan: for a given project, region and address, exactly these commands, in this order.

Nothing is deployed here: the plan is printed (`--dry-run`) and compared with the list a
person reviewed. Fixed lists, not the script's own functions, so a change to the plan
shows up here as a change someone has to read.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--dry-run",
    "--project=acme",
    "--project-number=123",
    "--base-url=https://learn.acme.test",
    "--region=europe-west1",
]

# Before any function: APIs, database, TTL policies, bucket, identities and roles, secrets, topics.
SETUP = [
    "gcloud services enable artifactregistry.googleapis.com cloudbuild.googleapis.com cloudfunctions.googleapis.com firestore.googleapis.com iam.googleapis.com iamcredentials.googleapis.com logging.googleapis.com pubsub.googleapis.com run.googleapis.com secretmanager.googleapis.com storage.googleapis.com --project=acme",
    "gcloud firestore databases create --location=europe-west1 --type=firestore-native --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=_rate_limits --enable-ttl --async --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=_login_failures --enable-ttl --async --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=_revocations --enable-ttl --async --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=IdempotencyRecord --enable-ttl --async --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=StripeEvent --enable-ttl --async --project=acme",
    "gcloud firestore fields ttls update expires_at --collection-group=_provisioning_quota --enable-ttl --async --project=acme",
    "gcloud storage buckets create gs://acme-files --location=europe-west1 --uniform-bucket-level-access --project=acme",
    "gcloud iam service-accounts create sparkacademy-functions '--display-name=SparkAcademy functions' --project=acme",
    "gcloud iam service-accounts create sparkacademy-jobs-push '--display-name=SparkAcademy job pushes' --project=acme",
    "gcloud projects add-iam-policy-binding acme --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/datastore.user --condition=None",
    "gcloud projects add-iam-policy-binding acme --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/pubsub.publisher --condition=None",
    "gcloud projects add-iam-policy-binding acme --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/logging.logWriter --condition=None",
    "gcloud storage buckets add-iam-policy-binding gs://acme-files --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/storage.objectAdmin --project=acme",
    "gcloud iam service-accounts add-iam-policy-binding sparkacademy-functions@acme.iam.gserviceaccount.com --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/iam.serviceAccountTokenCreator --project=acme",
    "gcloud secrets create BAMBOOHR_API_KEY --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding BAMBOOHR_API_KEY --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create BAMBOOHR_SUBDOMAIN --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding BAMBOOHR_SUBDOMAIN --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create DAILY_API_KEY --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding DAILY_API_KEY --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create DAILY_WEBHOOK_SECRET --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding DAILY_WEBHOOK_SECRET --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create JWT_SECRET --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding JWT_SECRET --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create MFA_ENCRYPTION_KEY --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding MFA_ENCRYPTION_KEY --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create OPENAI_API_KEY --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding OPENAI_API_KEY --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create STRIPE_SECRET_KEY --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding STRIPE_SECRET_KEY --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create STRIPE_WEBHOOK_SECRET --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding STRIPE_WEBHOOK_SECRET --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create WORKDAY_PASSWORD --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding WORKDAY_PASSWORD --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create WORKDAY_TENANT_URL --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding WORKDAY_TENANT_URL --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create WORKDAY_USERNAME --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding WORKDAY_USERNAME --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud secrets create ZOOM_WEBHOOK_SECRET --replication-policy=automatic --project=acme",
    "gcloud secrets add-iam-policy-binding ZOOM_WEBHOOK_SECRET --member=serviceAccount:sparkacademy-functions@acme.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --project=acme",
    "gcloud pubsub topics create jobs --project=acme",
    "gcloud pubsub topics create jobs-dead-letter --project=acme",
]

# One of the composite indexes, created before any function: an enrollment's lessons in order.
INDEX = "gcloud firestore indexes composite create --collection-group=Progress --query-scope=collection --async --field-config=field-path=enrollment_id,order=ascending --field-config=field-path=created_date,order=ascending --project=acme"

RULES = "npx --yes firebase-tools@15.34.2 deploy --only=firestore:rules --project=acme --non-interactive"

# Three of the functions in full: the API, the worker (not public) and a webhook.
FUNCTIONS = {
    "api": "gcloud functions deploy api --gen2 --runtime=python311 --region=europe-west1 --source=. --entry-point=api --trigger-http --allow-unauthenticated --service-account=sparkacademy-functions@acme.iam.gserviceaccount.com --memory=1Gi --timeout=540s --max-instances=100 --set-env-vars=GOOGLE_CLOUD_PROJECT=acme,PUBLIC_BASE_URL=https://learn.acme.test,SPARK_ENV=production,STORAGE_BUCKET=acme-files,TRUSTED_PROXIES=169.254.0.0/16 --set-secrets=BAMBOOHR_API_KEY=BAMBOOHR_API_KEY:latest,BAMBOOHR_SUBDOMAIN=BAMBOOHR_SUBDOMAIN:latest,DAILY_API_KEY=DAILY_API_KEY:latest,DAILY_WEBHOOK_SECRET=DAILY_WEBHOOK_SECRET:latest,JWT_SECRET=JWT_SECRET:latest,MFA_ENCRYPTION_KEY=MFA_ENCRYPTION_KEY:latest,OPENAI_API_KEY=OPENAI_API_KEY:latest,STRIPE_SECRET_KEY=STRIPE_SECRET_KEY:latest,STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET:latest,WORKDAY_PASSWORD=WORKDAY_PASSWORD:latest,WORKDAY_TENANT_URL=WORKDAY_TENANT_URL:latest,WORKDAY_USERNAME=WORKDAY_USERNAME:latest,ZOOM_WEBHOOK_SECRET=ZOOM_WEBHOOK_SECRET:latest --project=acme",
    "jobWorker": "gcloud functions deploy jobWorker --gen2 --runtime=python311 --region=europe-west1 --source=. --entry-point=jobWorker --trigger-http --no-allow-unauthenticated --service-account=sparkacademy-functions@acme.iam.gserviceaccount.com --memory=1Gi --timeout=540s --max-instances=20 --set-env-vars=GOOGLE_CLOUD_PROJECT=acme,PUBLIC_BASE_URL=https://learn.acme.test,SPARK_ENV=production,STORAGE_BUCKET=acme-files,TRUSTED_PROXIES=169.254.0.0/16 --set-secrets=DAILY_API_KEY=DAILY_API_KEY:latest --project=acme",
    "zoomWebhook": "gcloud functions deploy zoomWebhook --gen2 --runtime=python311 --region=europe-west1 --source=. --entry-point=zoomWebhook --trigger-http --allow-unauthenticated --service-account=sparkacademy-functions@acme.iam.gserviceaccount.com --memory=256Mi --timeout=30s --max-instances=50 --set-env-vars=GOOGLE_CLOUD_PROJECT=acme,PUBLIC_BASE_URL=https://learn.acme.test,SPARK_ENV=production,TRUSTED_PROXIES=169.254.0.0/16 --set-secrets=ZOOM_WEBHOOK_SECRET=ZOOM_WEBHOOK_SECRET:latest --project=acme",
}

# After the functions: who may push to the worker, the subscriptions, the dead-letter grants.
QUEUE = [
    "gcloud functions add-invoker-policy-binding jobWorker --region=europe-west1 --member=serviceAccount:sparkacademy-jobs-push@acme.iam.gserviceaccount.com --project=acme",
    "gcloud pubsub subscriptions create jobs-worker --topic=jobs --push-endpoint=https://europe-west1-acme.cloudfunctions.net/jobWorker --push-auth-service-account=sparkacademy-jobs-push@acme.iam.gserviceaccount.com --push-auth-token-audience=https://europe-west1-acme.cloudfunctions.net/jobWorker --ack-deadline=540 --dead-letter-topic=jobs-dead-letter --max-delivery-attempts=10 --min-retry-delay=10s --max-retry-delay=600s --project=acme",
    "gcloud pubsub subscriptions create jobs-dead-letter-worker --topic=jobs-dead-letter --push-endpoint=https://europe-west1-acme.cloudfunctions.net/jobWorker --push-auth-service-account=sparkacademy-jobs-push@acme.iam.gserviceaccount.com --push-auth-token-audience=https://europe-west1-acme.cloudfunctions.net/jobWorker --ack-deadline=60 --project=acme",
    "gcloud pubsub topics add-iam-policy-binding jobs-dead-letter --member=serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.publisher --project=acme",
    "gcloud pubsub subscriptions add-iam-policy-binding jobs-worker --member=serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.subscriber --project=acme",
]


def plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/deploy.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_plan_from_zero_is_the_reviewed_command_list() -> None:
    done = plan(*ARGS)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    indexes = json.loads((ROOT / "firestore.indexes.json").read_text())["indexes"]
    targets = [t["name"] for t in yaml.safe_load((ROOT / "deploy.yaml").read_text())["targets"]]
    # setup, then every composite index, then the rules, then every function, then the queue
    assert lines[: len(SETUP)] == SETUP
    rest = lines[len(SETUP) :]
    assert [" firestore indexes composite create " in line for line in rest[: len(indexes)]] == [True] * len(indexes)
    assert INDEX in rest[: len(indexes)]
    rest = rest[len(indexes) :]
    assert rest[0] == RULES
    deploys = rest[1 : 1 + len(targets)]
    assert [shlex.split(line)[3] for line in deploys] == targets and targets[:2] == ["api", "jobWorker"]
    for name, expected in FUNCTIONS.items():
        assert deploys[targets.index(name)] == expected
    assert rest[1 + len(targets) :] == QUEUE


def test_every_function_is_told_the_project_and_the_address_users_reach() -> None:
    deploys = [line for line in plan(*ARGS).stdout.splitlines() if " functions deploy " in line]
    for line in deploys:
        env = next(arg for arg in shlex.split(line) if arg.startswith("--set-env-vars="))
        assert "GOOGLE_CLOUD_PROJECT=acme," in env and "PUBLIC_BASE_URL=https://learn.acme.test," in env, line
        assert "${" not in line and "127.0.0.1" not in line and "--service-account=sparkacademy-functions@" in line
    public = [line for line in deploys if "--allow-unauthenticated" in line]
    assert len(public) == len(deploys) - 1 and " jobWorker " not in " ".join(public)


def test_only_deploys_the_named_functions_and_nothing_else() -> None:
    done = plan(*ARGS, "--only=zoomWebhook,jobWorker")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [FUNCTIONS["jobWorker"], FUNCTIONS["zoomWebhook"]]
    unknown = plan(*ARGS, "--only=nope")
    assert unknown.returncode != 0 and "no such target: nope" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--dry-run"], "--project and --base-url required"),
        (["--dry-run", "--project=acme"], "--base-url required"),
        (["--dry-run", "--base-url=https://learn.acme.test"], "--project required"),
        (["--dry-run", "--project=acme", "--base-url=http://127.0.0.1:8080"], "https address users reach"),
        (["--dry-run", "--project=acme", "--base-url=http://learn.acme.test"], "https address users reach"),
    ],
)
def test_without_a_project_and_a_public_address_it_refuses_to_print(args: list[str], named: str) -> None:
    done = plan(*args)
    assert done.returncode == 2 and done.stdout == "" and named in done.stderr


def test_the_pipeline_tests_then_deploys_keyless_with_the_plan() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    test, deploy = workflow["jobs"]["test"], workflow["jobs"]["deploy"]
    run_lines = lambda job: " ".join(step.get("run", "") for step in job["steps"])  # noqa: E731
    assert "make test" in run_lines(test) and "scripts/deploy.py --dry-run" in run_lines(test)
    assert deploy["needs"] == "test" and deploy["permissions"]["id-token"] == "write"
    (auth,) = [step for step in deploy["steps"] if step.get("uses", "").startswith("google-github-actions/auth")]
    assert set(auth["with"]) == {"workload_identity_provider", "service_account"}  # no key file, no JSON key
    assert "scripts/deploy.py --execute" in run_lines(deploy) and "--base-url=" in run_lines(deploy)
