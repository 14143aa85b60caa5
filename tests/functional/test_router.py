"""The router: one declaration per entry point, served the same way by the emulator and `api`."""

from __future__ import annotations

from typing import Any

import pytest

from shared import router
from tests.helpers import bearer

APP = "/api/apps/sparkacademy"


def test_the_emulator_has_no_route_of_its_own() -> None:
    from emulator.gateway import create_app

    rules = {rule.rule for rule in create_app().url_map.iter_rules()} - {"/static/<path:filename>"}
    assert rules == {"/", "/<path:path>"}


def test_every_route_and_function_has_a_unique_name_and_operation() -> None:
    routes = router.all_routes()
    # A function's further paths (a webhook's own URL) share its name.
    functions = {r.name for r in routes if r.function}
    names = [r.name for r in routes if r.function or r.name not in functions]
    assert len(names) == len(set(names))
    operations = [(m, r.path) for r in routes for m in r.methods]
    assert len(operations) == len(set(operations))
    assert {r.name for r in routes if r.function} >= {"createStripeCheckout", "stripeWebhook", "listPaidUsers"}


def test_unknown_paths_and_methods_answer_the_envelope(gateway: Any) -> None:
    missing = gateway.get("/api/apps/sparkacademy/nowhere")
    assert missing.status_code == 404 and missing.get_json()["code"] == "RESOURCE_NOT_FOUND"
    wrong = gateway.patch(f"{APP}/entities/Course/abc")
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE"}
    get_fn = gateway.get(f"{APP}/functions/listPaidUsers")
    assert get_fn.status_code == 405 and get_fn.headers["Allow"] == "POST"


def test_another_app_id_is_a_404_before_anything_runs(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    resp = gateway.post("/api/apps/other-app/functions/listPaidUsers", json={}, headers=bearer(admin))
    assert resp.status_code == 404 and resp.get_json()["details"] == {"app_id": "other-app"}
    entity = gateway.get("/api/apps/other-app/entities/Course")
    assert entity.status_code == 404


@pytest.mark.parametrize("name", ["catalog", "fulfilment", "registry", "Create_stripe", "../x", "a" * 100])
def test_only_declared_functions_are_callable_by_name(gateway: Any, make_user: Any, name: str) -> None:
    _, admin = make_user("admin")
    resp = gateway.post(f"{APP}/functions/{name}", json={}, headers=bearer(admin))
    assert resp.status_code == 404 and resp.get_json()["code"] == "RESOURCE_NOT_FOUND"


def test_preflight_is_answered_on_every_declared_path(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example")
    for path in (f"{APP}/entities/Course", f"{APP}/functions/listPaidUsers", "/api/stripe-webhook"):
        resp = gateway.options(path, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
        assert resp.status_code == 204, path
        assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_a_url_that_keeps_the_service_name_reaches_the_same_route(gateway: Any) -> None:
    assert gateway.get("/api/api/apps/sparkacademy/entities/Course").status_code == 200


def test_a_function_declared_in_a_module_of_another_name_is_refused() -> None:
    import types

    module = types.ModuleType("functions.admin.elsewhere")
    import sys

    sys.modules[module.__name__] = module
    try:

        def handler(body: Any, caller: Any) -> Any:
            return {}

        handler.__module__ = module.__name__
        with pytest.raises(RuntimeError, match=r"list_everything\.py"):
            router.endpoint("listEverything")(handler)
    finally:
        del sys.modules[module.__name__]


def test_functions_are_found_by_module_name_without_loading_the_others() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys, json; from shared import router; router.load_function('recordProgress'); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('functions.'))))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "functions.learning.record_progress" in loaded
    assert not [m for m in loaded if m.startswith(("functions.payments", "functions.certificates"))]
