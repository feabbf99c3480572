# wastesort: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
DEMO_PASSWORD ?= wastesort-demo

.PHONY: run test venv test-env browser lint bench-seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the project's declared dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

test-env: $(VENV)/.installed-test browser

# Debian's Chromium for the browser tests (playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

run: venv
	$(BIN)/wastesort db upgrade
	$(BIN)/wastesort seed-demo --if-empty
	$(BIN)/wastesort demo-logins --password '$(DEMO_PASSWORD)'
	@exec $(BIN)/wastesort serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: test-env
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench-seed: $(VENV)/.installed-test
	$(BIN)/python bench/seed_city.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
