"""`make dev`: the Firestore emulator, demo data and the Base44 gateway on 127.0.0.1.

Ctrl-C stops everything, the emulator's Java process included.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys


def main() -> int:
    from emulator import firestore_emulator

    port = int(os.environ.get("PORT", "8080"))
    os.environ.setdefault("SPARK_ENV", "development")
    os.environ.setdefault("GOOGLE_CLOUD_PROJECT", "sparkacademy-dev")
    if not os.environ.get("JWT_SECRET"):
        # A fresh secret each run: tokens from an earlier run stop working, as they should.
        os.environ["JWT_SECRET"] = secrets.token_urlsafe(48)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    if not os.environ.get("MFA_ENCRYPTION_KEY"):
        from cryptography.fernet import Fernet

        os.environ["MFA_ENCRYPTION_KEY"] = Fernet.generate_key().decode()  # like the token key: one per run

    emulator = None
    if not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        print("Starting the Firestore emulator...", flush=True)
        emulator = firestore_emulator.start(port=int(os.environ.get("FIRESTORE_PORT", "0")) or None)
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host

    def shutdown(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        from emulator import demo
        from emulator.gateway import create_app

        seeded = demo.load()
        from emulator.server import make

        server = make(create_app(), port=port)
        app_id = os.environ.get("BASE44_APP_ID", "sparkacademy")
        print(
            f"\nSparkAcademy emulator on http://127.0.0.1:{port}  (app id: {app_id})\n"
            f"API docs: http://127.0.0.1:{port}/api/docs\n"
            f"Firestore emulator: {os.environ['FIRESTORE_EMULATOR_HOST']}\n"
            f"Demo accounts (password {seeded['password']}):\n"
            + "".join(f"  {email}\n" for email in seeded["accounts"])
            + f"\ncreateClient({{ serverUrl: 'http://127.0.0.1:{port}', appId: '{app_id}' }})\n"
            "Ctrl-C to stop.",
            flush=True,
        )
        _print_missing_settings()
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # the server usually handles Ctrl-C itself and returns
    finally:
        print("\nStopping...", flush=True)
        if emulator is not None:
            emulator.stop()
    return 0


def _print_missing_settings() -> None:
    """Name the functions that will answer 503 for want of a setting (e.g. Stripe keys)."""
    from shared import config, router

    waiting: dict[tuple[str, ...], list[str]] = {}
    for function in router.functions():
        absent = tuple(config.missing(function.spec.required_settings))
        if absent:
            waiting.setdefault(absent, []).append(function.name)
    for absent, names in waiting.items():
        print(f"Not configured: {', '.join(absent)}; until set, these answer 503: {', '.join(names)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
