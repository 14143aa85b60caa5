#!/usr/bin/env bash
# The whole test run on a fresh machine: installs what the tests need, then runs them.
# pytest itself starts the Firestore emulator and the fake servers, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs what is missing, saying what and how far (scripts/install.sh).
./scripts/install.sh test
export LOCALSTRIPE_BIN="$PWD/.venv-localstripe/bin/localstripe"

# Lint, format, types and layers first: they take seconds and name the line at fault.
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy --no-error-summary
# The layers and no import circles (import-linter's contracts in pyproject.toml).
PYTHONPATH=. .venv/bin/lint-imports --no-logo

# Parallel workers (pytest-xdist), one Firestore project each on the one shared emulator.
# TEST_WORKERS=0 runs serially; arguments given after it (`-n 2`, `-x`) pass through to pytest.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-4}" --dist loadgroup "$@"
