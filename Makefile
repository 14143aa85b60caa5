# One command each: `make dev` runs the emulator with demo data, `make test` runs every test.
.PHONY: dev test bench deploy-plan lint

PORT ?= 8080

.venv/bin/python: requirements.txt requirements-dev.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch .venv/bin/python

dev: .venv/bin/python
	PORT=$(PORT) .venv/bin/python -m emulator

test:
	./scripts/test.sh

bench: .venv/bin/python
	.venv/bin/python -m bench

lint: .venv/bin/python
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

deploy-plan: .venv/bin/python
	.venv/bin/python scripts/deploy.py
