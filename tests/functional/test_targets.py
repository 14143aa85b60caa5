"""Each documented function is its own Cloud Functions target: deployable, lazy, listed once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from shared import router
from tests.helpers import bearer, functions_framework

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("stripe", "openai", "reportlab", "qrcode", "google.cloud.storage")


FUNCTIONS = router.function_names()


def test_deploy_manifest_is_what_the_declarations_generate() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_script", ROOT / "scripts" / "deploy.py")
    assert spec is not None and spec.loader is not None
    deploy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deploy)
    assert (ROOT / "deploy.yaml").read_text() == deploy.render(), "run: python scripts/deploy.py --write"


def test_deploy_manifest_lists_api_and_every_function_once() -> None:
    manifest = yaml.safe_load((ROOT / "deploy.yaml").read_text())
    deployed = [target["name"] for target in manifest["targets"]]
    assert deployed == ["api", "jobWorker", *FUNCTIONS]
    for target in manifest["targets"]:
        assert target["entry_point"] == target["name"]


def test_deploy_manifest_provides_every_setting_a_target_requires() -> None:
    import main

    manifest = yaml.safe_load((ROOT / "deploy.yaml").read_text())
    by_name = {target["name"]: target for target in manifest["targets"]}
    every: set[str] = set()
    for name in FUNCTIONS:
        required = set(getattr(main, name).spec.required_settings)
        every |= required
        assert required <= {*by_name[name]["secrets"], *by_name[name]["env"]}, name
    assert every <= {*by_name["api"]["secrets"], *by_name["api"]["env"]}
    from shared import queue

    assert set(queue.WORKER_SETTINGS) <= set(by_name["jobWorker"]["secrets"])


def test_a_function_is_found_by_the_name_of_its_module() -> None:
    for name in FUNCTIONS:
        module = router.load_function(name).__module__
        assert module.rpartition(".")[2] == router.snake_case(name)


def test_a_target_names_every_missing_setting_when_it_starts() -> None:
    # GIVEN an environment without the token key and the Stripe key
    env = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "STRIPE_SECRET_KEY")}
    # WHEN functions-framework resolves the createStripeCheckout target
    probe = "import main; main.createStripeCheckout"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    # THEN one error entry names both, and no value
    [entry] = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert entry["severity"] == "ERROR" and entry["code"] == "CONFIGURATION_ERROR"
    assert entry["missing"] == ["JWT_SECRET", "STRIPE_SECRET_KEY"]
    assert "JWT_SECRET, STRIPE_SECRET_KEY" in entry["message"]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_target_is_a_decorated_plain_function_named_as_documented(name: str) -> None:
    import types

    import main

    target = getattr(main, name)
    assert isinstance(target, types.FunctionType)
    assert target.spec.name == name


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_loading_a_target_imports_the_sdks_it_uses_and_no_other(name: str) -> None:
    # GIVEN a fresh interpreter; WHEN functions-framework resolves the target
    probe = (
        f"import sys, json, main; getattr(main, {name!r}); "
        f"print(json.dumps([m for m in {(*HEAVY, 'google.cloud.firestore')!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    # THEN what its area uses is loaded already (its first request pays no import), and nothing else
    area = router.load_function(name).__module__.split(".")[1]
    expected = {"google.cloud.firestore", *{"payments": {"stripe"}, "ai": {"openai"}}.get(area, set())}
    assert loaded == expected
    assert set(router.preloads(name)) == expected


def test_functions_framework_serves_one_target_alone(firestore_emulator: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    with functions_framework("listPaidUsers") as base:
        url = f"{base}/"
        resp = requests.post(url, json={"page": 1, "limit": 5}, headers=bearer(admin), timeout=5)
        assert resp.status_code == 200
        assert resp.json() == {
            "users": [],
            "total": 0,
            "page": 1,
            "limit": 5,
            "pages": 0,
            "next_cursor": None,
            "has_more": False,
        }
        assert resp.headers["X-RateLimit-Limit"] == "10"
        anonymous = requests.post(url, json={}, timeout=5)
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "AUTH_REQUIRED"
        bad = requests.post(
            url, data=b"{oops", headers={**bearer(admin), "Content-Type": "application/json"}, timeout=5
        )
        assert bad.status_code == 400 and bad.json()["message"] == "Malformed JSON body"


def test_a_target_alone_accepts_api_keys_exactly_as_the_api_service_does(
    firestore_emulator: Any, make_user: Any, gateway: Any
) -> None:
    # GIVEN an admin's API key, made through the 7P surface
    _, admin = make_user("admin")
    created = gateway.post("/api/auth/api-keys", json={"name": "reports"}, headers=bearer(admin))
    assert created.status_code == 201, created.get_json()
    key = created.get_json()["key"]
    body = {"page": 1, "limit": 5}
    # WHEN the key calls listPaidUsers through the api service and through its own target
    through_api = gateway.post("/api/apps/sparkacademy/functions/listPaidUsers", json=body, headers=bearer(key))
    with functions_framework("listPaidUsers") as base:
        alone = requests.post(f"{base}/", json=body, headers=bearer(key), timeout=5)
        wrong = requests.post(f"{base}/", json=body, headers=bearer("test_pk_" + "0" * 48), timeout=5)
    # THEN both answer alike; an unknown key is refused alike
    assert (through_api.status_code, alone.status_code) == (200, 200)
    assert alone.json() == through_api.get_json()
    assert wrong.status_code == 401 and wrong.json()["code"] == "AUTH_REQUIRED"


def test_a_target_alone_knows_every_credential_the_api_service_knows() -> None:
    probe = (
        "import json, sys, main; getattr(main, sys.argv[1]); "
        "from shared import auth; print(json.dumps(sorted(auth.KEY_SCHEMES)))"
    )

    def schemes(target: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, target], cwd=ROOT, capture_output=True, text=True, check=True
        )
        found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
        return found

    assert schemes("listPaidUsers") == schemes("api") == ["b44_app_", "live_pk_", "test_pk_"]


def test_every_module_that_declares_routes_is_mounted_by_the_composition_point() -> None:
    import importlib
    import pkgutil

    from app import api

    declaring = set()
    for package in ("shared", "entities", "domain", "functions", "rest", "emulator"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name.endswith("__main__") or info.name == "emulator.stripe_server":
                continue  # entry scripts; the local Stripe server runs in localstripe's own venv
            module = importlib.import_module(info.name)
            if router.declared_in(module):
                declaring.add(module.__name__)
    assert declaring == {m.__name__ for m in api.ROUTE_MODULES}
