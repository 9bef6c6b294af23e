# Two entry points: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build lint browser virtuoso web-servers oxigraph-js site-js-for-tests bench soak clean screenshots

# An editable install: edits under src/ take effect at once; only pyproject.toml reinstalls.
$(STAMP): pyproject.toml
	@echo "Installing icegraph with its dev dependencies (pyproject.toml) from PyPI into $(VENV)/"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

build: $(STAMP)
	$(BIN)/icegraph build --data data --out build

run: build
	@echo "Dumps and report: build/   Store: build/store"
	$(BIN)/icegraph serve --store build/store --host $(HOST) --port $(PORT)

# The browser tests drive Debian's chromium; install it when it is missing and we may, and say
# so before doing it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  echo "chromium is missing: installing Debian's chromium with apt-get (for tests/test_browser.py)" && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: chromium is not installed; the browser test will be skipped"; }

# The Virtuoso tests run Debian's virtuoso-opensource, installed the same way; they start their
# own database in a temporary folder, on 127.0.0.1. Installed without a dba password, as here,
# the package leaves its own service disabled (docs/publishing.md).
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  echo "virtuoso is missing: installing Debian's virtuoso-opensource with apt-get (for tests/test_virtuoso.py)" && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null) \
	  || echo "warning: virtuoso-opensource is not installed; the Virtuoso tests will be skipped"; }

# The static site's rules are tested on Debian's nginx and apache2, installed the same way; the
# tests start their own servers on 127.0.0.1 with configurations in a temporary folder. Where
# the packages' own services start on port 80 (systemd), stop them if unwanted (docs/site.md).
web-servers:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  echo "nginx is missing: installing Debian's nginx with apt-get (for tests/test_site_hosts.py)" && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	  || echo "warning: nginx is not installed; its static site test will be skipped"; }
	@command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  echo "apache2 is missing: installing Debian's apache2 with apt-get (for tests/test_site_hosts.py)" && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2 >/dev/null) \
	  || echo "warning: apache2 is not installed; its static site test will be skipped"; }

# The static site's in-browser SPARQL page runs Oxigraph's WebAssembly build, copied into the
# site by `icegraph site`; it comes from npm (the 0.5 line, as pyoxigraph) into .venv, never
# into the repository, and the site loads it from itself, not from a CDN (docs/site.md).
OXIGRAPH_JS_VERSION ?= 0.5.11
OXIGRAPH_JS := $(VENV)/oxigraph-js
OXIGRAPH_JS_STAMP := $(OXIGRAPH_JS)/.installed-$(OXIGRAPH_JS_VERSION)
$(OXIGRAPH_JS_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js and npm, then run make oxigraph-js"; exit 1; }
	@echo "Installing oxigraph@$(OXIGRAPH_JS_VERSION) (WebAssembly, for the static site's SPARQL page) from the npm registry into $(OXIGRAPH_JS)/"
	@mkdir -p $(OXIGRAPH_JS)
	npm install --silent --no-audit --no-fund --prefix $(OXIGRAPH_JS) oxigraph@$(OXIGRAPH_JS_VERSION)
	@touch $(OXIGRAPH_JS_STAMP)

oxigraph-js: $(OXIGRAPH_JS_STAMP)

# As with chromium and Virtuoso: without npm, the tests of the site's SPARQL page are skipped.
site-js-for-tests:
	@$(MAKE) --no-print-directory oxigraph-js || echo "warning: the in-browser SPARQL engine is not installed; the static site tests will be skipped"

test: $(STAMP) browser virtuoso web-servers site-js-for-tests
	$(BIN)/python -m pytest -q

# The pictures in README.md and docs/, taken again from the pages as they are now.
screenshots: $(STAMP) browser
	ICEGRAPH_DOCS_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_browser_pages.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/load.py --seconds 60 --clients 20

# Minutes of hostile load (abandoned and heavy queries beside light ones) on a local server:
# light-query latency, worker memory, shutdown and leftover processes. Not part of `make test`.
SOAK_SECONDS ?= 180
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py --seconds $(SOAK_SECONDS)

clean:
	rm -rf build .pytest_cache .mypy_cache $(STAMP)
