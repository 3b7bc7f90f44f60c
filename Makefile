# Two commands: `make run` and `make test`. Everything else is what they need.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: run test test-pg test-fast node-test-deps lint format catalogues serve setup system-run system-test db content translations bench clean

# Debian packages first: PyICU builds against the system's ICU (libicu-dev, pkg-config, g++).
run: system-run setup catalogues db content
	$(BIN)/lms serve --host 127.0.0.1 --port 5000

# The whole suite, CI's command, in two passes. First on SQLite: unit, functional and browser tests
# spread over the CPUs (each xdist worker drives its own Chromium against its own server). Then
# again on PostgreSQL at PG_HOST:PG_PORT, when a server answers there (a machine without one says
# so and skips it; it never passes silently): see test-pg for what that pass runs and why.
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
test: system-test $(VENV)/.test-installed catalogues node-test-deps
	$(BIN)/pytest -n auto --dist loadfile
	@if $(BIN)/python -c "import psycopg2; psycopg2.connect(host='$(PG_HOST)', port=$(PG_PORT), user='postgres', dbname='postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-pg; \
	else echo "PostgreSQL pass skipped: no server at $(PG_HOST):$(PG_PORT)"; fi

# The suite on PostgreSQL (LMS_TEST_DATABASE; each test gets its own database copied from a
# template built once per worker). Unit and functional tests (slow ones included) and the browser
# journeys that write through every layer (keyboard journey, media); not the axe, layout, no-JS and
# screen-reader checks, which look at rendered pages and do not depend on the database, nor the
# nginx deployment test, which runs on PostgreSQL in the first pass already.
PG_TESTS ?= tests/unit tests/functional tests/browser/test_keyboard_journey.py tests/browser/test_media.py
test-pg: $(VENV)/.test-installed system-test catalogues
	LMS_TEST_DATABASE=postgresql LMS_TEST_POSTGRES_URL=postgresql+psycopg2://postgres@$(PG_HOST):$(PG_PORT)/postgres \
	  $(BIN)/pytest -n auto --dist loadfile -m "not screenreader" \
	  --deselect tests/functional/test_deploy_nginx.py $(PG_TESTS)

# The npm packages of the independent credential check (tests/node), from the committed lock
# file; skipped (and so is that test, with its reason) where node is not installed.
node-test-deps:
	@if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the Digital Bazaar credential check will be skipped"; fi

# The inner loop: everything but the browser, in parallel (under 2 minutes on 2 cores).
test-fast: system-run $(VENV)/.test-installed
	$(BIN)/pytest -n auto --dist loadfile -m "not browser and not slow" tests/unit tests/functional

# Lint, format check and types, as configured in pyproject.toml.
lint: $(VENV)/.test-installed
	$(BIN)/ruff check lms tests bench scripts
	$(BIN)/ruff format --check lms tests bench scripts
	$(BIN)/mypy

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix lms tests bench scripts
	$(BIN)/ruff format lms tests bench scripts

setup: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `lms serve` runs Python as -OO (lms/cli.py), whose bytecode is a file of its own (.opt-2.pyc)
# that pip does not write. Written here once, as pip writes the plain one: where bytecode is not
# written at run time (PYTHONDONTWRITEBYTECODE, an install the server's user cannot write to),
# every start compiled the app's modules from source (importing it took 3.0 s instead of 0.7) and
# each worker held 1.6-1.9 MiB more after a run (bench/RESULTS.md, "This stop, 2026-12-01
# 19:00-20:20").
OPTIMIZED_BYTECODE = $(BIN)/python -OO -m compileall -q -j 0 \
	"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" lms

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(OPTIMIZED_BYTECODE)
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(OPTIMIZED_BYTECODE)
	touch $@ $(VENV)/.installed

system-run:
	./scripts/system-deps.sh run

system-test:
	./scripts/system-deps.sh test

db: setup
	$(BIN)/lms db upgrade

content: setup
	$(BIN)/lms import-content

# Compile the translations (the .mo files are built, never committed).
catalogues: setup
	$(BIN)/pybabel compile -d translations

# Refresh the message catalogue and the Khmer translation file from the code and templates.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

# Page weight and bytes in-process, then every page type under wrk at network size and a worker's
# memory page type by page type (bench/memory.py), on SQLite and on PostgreSQL (skipped, with a
# line saying so, when none answers at BENCH_PG), the load test of 50 learners (0 lost, 0 doubled,
# 0 5xx) on a fresh database of each kind, and first paint on emulated Fast 3G (Debian's
# Chromium). Needs wrk (Debian). Figures are appended to bench/RESULTS.md.
BENCH_DIR ?= bench/instance
BENCH_PG  ?= postgresql+psycopg2://postgres@127.0.0.1:5432/sala_bench
LOAD_PG   ?= postgresql+psycopg2://postgres@127.0.0.1:5432/sala_load
bench: $(VENV)/.test-installed system-test
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/bytes.py
	$(BIN)/python bench/seed.py --recreate --database-url sqlite:///$(BENCH_DIR)/bench.db
	$(BIN)/python bench/serve.py --database-url sqlite:///$(BENCH_DIR)/bench.db
	$(BIN)/python bench/memory.py --database-url sqlite:///$(BENCH_DIR)/bench.db --results bench/RESULTS.md
	if $(BIN)/python bench/seed.py --recreate --database-url $(BENCH_PG); then \
	  $(BIN)/python bench/serve.py --database-url $(BENCH_PG) && \
	  $(BIN)/python bench/memory.py --database-url $(BENCH_PG) --results bench/RESULTS.md; \
	else echo "PostgreSQL pass skipped: no database server answered at $(BENCH_PG)."; fi
	$(BIN)/python bench/load.py --backup --results bench/RESULTS.md
	$(BIN)/python bench/load.py --backup --database-url $(LOAD_PG) --results bench/RESULTS.md
	$(BIN)/python bench/first_paint.py --results bench/RESULTS.md

clean:
	rm -rf $(VENV) instance
