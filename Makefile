# OrderHub — two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PORT   ?= 8000
export ORDERHUB_DATA_DIR ?= $(CURDIR)/var
# make runs are development runs: built-in keys, partners on 127.0.0.1 (docs/deployment.md).
export ORDERHUB_DEVELOPMENT ?= 1
export ORDERHUB_ALLOW_PRIVATE_URLS ?= 1
UV     := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)

.PHONY: demo test check install bench soak fuzz lint clean messages

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5"

$(VENV)/.installed: pyproject.toml uv.lock connector/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --all-packages --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

demo: install
	PORT=$(PORT) $(VENV)/bin/orderhub demo

test: install
	.ci/install-chromium
	[ -d tests/a11y/node_modules/axe-core ] || npm ci --prefix tests/a11y --no-audit --no-fund
	$(VENV)/bin/python -m tests.preflight
	$(VENV)/bin/pytest

bench: install
	$(VENV)/bin/python -m bench

soak: install
	$(VENV)/bin/python -m bench.soak

fuzz: install
	$(VENV)/bin/pytest tests/fuzz -m fuzz --hypothesis-profile=long

messages: install
	cd src/orderhub && ../../$(VENV)/bin/orderhub makemessages -l en --no-obsolete && ../../$(VENV)/bin/orderhub compilemessages

# The code checks itself: lint, formatting, types (strict for formats and the connector, the
# Django apps through django-stubs),
# the layer contract (.importlinter) and migrations that match the models. .ci/run runs it first.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/orderhub makemigrations --check --dry-run

lint: check

clean:
	rm -rf $(VENV) .tools var .pytest_cache
