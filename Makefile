# Mitmachstadt: `make demo` and `make test` are all a fresh machine with Python 3.11+ needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export MITMACHSTADT_DEV ?= 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test install messages lint typecheck test-python test-browser check-migrations \
        i18n-update clean bench

demo: install messages
	$(BIN)/mitmachstadt demo

test: install messages lint typecheck check-migrations test-python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

messages: install
	$(BIN)/python -m mitmachstadt.core.i18n compile

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djlint mitmachstadt --lint --quiet
	$(BIN)/lint-imports
	$(BIN)/python -m mitmachstadt.core.i18n check

typecheck: install
	$(BIN)/mypy mitmachstadt

check-migrations: install
	$(BIN)/mitmachstadt makemigrations --check --dry-run

test-python: install messages
	$(BIN)/pytest -n 2 -m "not browser" -q

test-browser: install messages
	$(BIN)/pytest -m browser -q

# Extract new strings (needs GNU gettext, a developer tool: apt-get install gettext).
i18n-update: install
	for locale in mitmachstadt/*/locale; do \
	  (cd $$(dirname $$locale) && ../../$(BIN)/mitmachstadt makemessages -l de -l en \
	    --no-obsolete --no-location >/dev/null); \
	done

bench: install messages
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
