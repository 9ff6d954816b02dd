# rrc: `make run` starts everything with demo data; `make test` runs the whole suite on a real broker.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SHARED ?= ../shared
PYTEST_ARGS ?=

.PHONY: setup kafka-jars run test unit integration bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@# The IATI 2.03 XSD files and codelists for the export tests, as pyIATI ships them; its pins are years old
	@# (lxml 4.2) and only its resources are used, so it comes without its dependencies.
	$(BIN)/python -m pip install -q --no-deps "pyIATI==0.4.1"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

NODE_TOOLS := tests/node/node_modules/.installed
CONSOLE_ASSETS := api/console/node_modules/.installed

setup: $(STAMP) kafka-jars $(CONSOLE_ASSETS)

# The console's browser code and map outlines from npm (d3-geo, topojson-client, Natural Earth via world-atlas),
# served by the API from its own origin.
$(CONSOLE_ASSETS): api/console/package.json api/console/package-lock.json
	cd api/console && npm ci --no-audit --no-fund --loglevel=error
	@touch $(CONSOLE_ASSETS)

# Third-party validators from npm the tests run (@asyncapi/parser, axe-core).
$(NODE_TOOLS): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_TOOLS)

kafka-jars: $(STAMP)
	$(BIN)/rrc kafka fetch

run: setup
	$(BIN)/rrc up --demo

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

test: setup $(NODE_TOOLS)
	$(BIN)/lint-imports
	$(BIN)/python -m streams.broker.throwaway -- $(BIN)/python -m pytest -q -p no:cacheprovider tests $(PYTEST_ARGS)
	$(BIN)/python $(SHARED)/contract/check_parse.py $(BIN)/rrc

bench: setup
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/correlation.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/fresh_start.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
