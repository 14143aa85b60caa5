#!/usr/bin/env bash
# The whole test run on a fresh machine: installs what the tests need, then runs them.
# pytest itself starts the Firestore emulator and the fake servers, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# localstripe pins its own aiohttp stack, so it gets a venv of its own.
if [ ! -x .venv-localstripe/bin/localstripe ]; then
  "$PYTHON" -m venv .venv-localstripe
  .venv-localstripe/bin/pip install --quiet --disable-pip-version-check localstripe==1.15.10
fi
export LOCALSTRIPE_BIN="$PWD/.venv-localstripe/bin/localstripe"

# pysaml2 builds the SAML IdP metadata the SSO tests check; it pins an xmlschema the product cannot use.
if [ ! -x .venv-pysaml2/bin/python ]; then
  "$PYTHON" -m venv .venv-pysaml2
  .venv-pysaml2/bin/pip install --quiet --disable-pip-version-check pysaml2==7.5.5
fi

# A real OpenID Connect provider (oidc-provider) for the SSO tests.
if [ ! -d tests/sso/node/node_modules/oidc-provider ]; then
  (cd tests/sso/node && npm ci --no-audit --no-fund --silent)
fi

# The real @base44/sdk for the end-to-end tests.
if [ ! -d tests/e2e/node/node_modules/@base44/sdk ]; then
  (cd tests/e2e/node && npm ci --no-audit --no-fund --silent)
fi

# A real SCORM 1.2 runtime (scorm-again) and an xAPI statement validator for the export tests.
if [ ! -d tests/exports/node/node_modules/scorm-again ]; then
  (cd tests/exports/node && npm ci --no-audit --no-fund --silent)
fi

# Headless Chromium renders the API documentation pages in their tests (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v gcloud >/dev/null 2>&1; then
  echo "gcloud (google-cloud-cli with the Firestore emulator, Java 17) is required" >&2
  exit 1
fi

# Lint, format and types first: they take seconds and name the line at fault.
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy --no-error-summary

exec .venv/bin/python -m pytest "$@"
