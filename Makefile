# Two entry points: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build lint browser bench soak clean

# Any change to the sources reinstalls: the hot modules are compiled (setup.py), and a
# compiled copy older than its source would run old code.
SOURCES := $(shell find src -name '*.py')

$(STAMP): pyproject.toml setup.py $(SOURCES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

build: $(STAMP)
	$(BIN)/icegraph build --data data --out build

run: build
	@echo "Dumps and report: build/   Store: build/store"
	$(BIN)/icegraph serve --store build/store --host $(HOST) --port $(PORT)

# The browser tests drive Debian's chromium; install it when it is missing and we may.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: chromium is not installed; the browser test will be skipped"; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/load.py --seconds 60 --clients 20

# Minutes of hostile load (abandoned and heavy queries beside light ones) on a local server:
# light-query latency, worker memory, shutdown and leftover processes. Not part of `make test`.
SOAK_SECONDS ?= 180
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py --seconds $(SOAK_SECONDS)

# Also removes the compiled modules; `make clean && ICEGRAPH_PURE=1 make test` runs the
# sources as plain Python.
clean:
	rm -rf build .pytest_cache .mypyc $(STAMP)
	find src -name '*.so' -delete
