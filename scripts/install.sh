#!/usr/bin/env bash
# What `make dev` (`install.sh dev`) and `make test` (`install.sh test`) need, installed once:
# each step says what it installs and how far it is; a later run skips what is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

WHAT=${1:-dev}
PYTHON=${PYTHON:-python3}
if [ "$WHAT" = test ]; then STEPS=8; else STEPS=3; fi
STEP=0
step() { STEP=$((STEP + 1)); echo "==> [$STEP/$STEPS] $*"; }

# Python packages: skipped while the pinned requirements are those last installed.
WANT=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
STAMP=.venv/.installed-requirements
if [ -x .venv/bin/python ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; then
  step "Python packages: up to date"
else
  TOTAL=$(cat requirements.txt requirements-dev.txt | grep -cE '^[A-Za-z0-9]')
  step "Python packages: $TOTAL pinned in requirements*.txt and their dependencies, into .venv (first run: about a minute)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install --disable-pip-version-check -r requirements-dev.txt \
    | awk '/^Collecting /{n++; printf "    [%d] %s\n", n, $0; fflush()} /^(Installing|Successfully)/{print "    " $0; fflush()}'
  echo "$WANT" > "$STAMP"
fi

# localstripe pins its own aiohttp stack, so it gets a venv of its own.
if [ -x .venv-localstripe/bin/localstripe ]; then
  step "localstripe (the local Stripe server): installed"
else
  step "localstripe 1.15.10 (the local Stripe server) into .venv-localstripe"
  "$PYTHON" -m venv .venv-localstripe
  .venv-localstripe/bin/pip install --disable-pip-version-check localstripe==1.15.10 \
    | awk '/^Collecting /{n++; printf "    [%d] %s\n", n, $0; fflush()} /^Successfully/{print "    " $0; fflush()}'
fi

step "Firestore and Pub/Sub emulators (gcloud, Java)"
if ! command -v gcloud >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  echo "    gcloud's Firestore and Pub/Sub emulators and Java 17+ are required: see README.md, Development" >&2
  exit 1
fi
SDK=$(dirname "$(dirname "$(readlink -f "$(command -v gcloud)")")")
if [ ! -x "$SDK/platform/pubsub-emulator/bin/cloud-pubsub-emulator" ]; then
  echo "    gcloud's Pub/Sub emulator is missing: install google-cloud-cli-pubsub-emulator (or: gcloud components install pubsub-emulator)" >&2
  exit 1
fi
echo "    found $(command -v gcloud), with the Pub/Sub emulator"

[ "$WHAT" = test ] || exit 0

# pysaml2 builds the SAML IdP metadata the SSO tests check; it pins an xmlschema the product cannot use.
if [ -x .venv-pysaml2/bin/python ]; then
  step "pysaml2 (SAML IdP metadata for the SSO tests): installed"
else
  step "pysaml2 7.5.5 (SAML IdP metadata for the SSO tests) into .venv-pysaml2"
  "$PYTHON" -m venv .venv-pysaml2
  .venv-pysaml2/bin/pip install --disable-pip-version-check pysaml2==7.5.5 \
    | awk '/^Collecting /{n++; printf "    [%d] %s\n", n, $0; fflush()} /^Successfully/{print "    " $0; fflush()}'
fi

# The real @base44/sdk for the end-to-end tests; scorm-again and an xAPI validator for the export
# tests; a real OpenID Connect provider (oidc-provider) for the SSO tests.
for module in tests/e2e/node/node_modules/@base44/sdk tests/exports/node/node_modules/scorm-again \
  tests/sso/node/node_modules/oidc-provider; do
  dir=${module%%/node_modules/*}
  if [ -d "$module" ]; then
    step "Node packages of $dir: installed"
  else
    step "Node packages of $dir (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Headless Chromium renders and drives the pages in their tests (Debian's package).
if command -v chromium >/dev/null 2>&1; then
  step "Chromium: installed"
else
  step "Chromium (Debian's package, about 100 MB, through apt-get)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
    | awk '/^(Get|Unpacking|Setting up) /{print "    " $0; fflush()}'
fi
