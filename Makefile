# One command each: `make dev` runs the whole platform offline, `make test` runs every test.
.PHONY: install dev dev-reset test bench deploy-plan lint

PORT ?= 8080
# Where `make dev` keeps the database, the local Stripe's objects and the token key between runs.
DATA ?= .emulator-data

install:
	./scripts/install.sh dev

dev: install
	PORT=$(PORT) .venv/bin/python -m emulator --data $(DATA)

# Forget everything `make dev` kept, then start afresh.
dev-reset:
	rm -rf $(DATA)
	$(MAKE) dev

test:
	./scripts/test.sh

bench: install
	.venv/bin/python -m bench

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	PYTHONPATH=. .venv/bin/lint-imports --no-logo

# The deployment's commands, printed: `make deploy-plan PROJECT=id BASE_URL=https://... [REGION=...]`.
REGION ?= us-central1
deploy-plan: install
	.venv/bin/python scripts/deploy.py --dry-run --project="$(PROJECT)" --base-url="$(BASE_URL)" --region="$(REGION)"
