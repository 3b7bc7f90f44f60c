# Two commands: `make run` and `make test`. Everything else is what they need.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: run test test-fast node-test-deps lint format catalogues serve setup system-run system-test db content translations bench clean

run: setup system-run catalogues db content
	$(BIN)/lms serve --host 127.0.0.1 --port 5000

# The whole suite, CI's command: unit and functional tests spread over the CPUs, then the browser
# tests (each xdist worker drives its own Chromium against its own server).
test: $(VENV)/.test-installed system-test catalogues node-test-deps
	$(BIN)/pytest -n auto --dist loadfile

# The npm packages of the independent credential check (tests/node), from the committed lock
# file; skipped (and so is that test, with its reason) where node is not installed.
node-test-deps:
	@if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the Digital Bazaar credential check will be skipped"; fi

# The inner loop: everything but the browser, in parallel (under 2 minutes on 2 cores).
test-fast: $(VENV)/.test-installed
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

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
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

# Page weight and bytes in-process, then every page type under wrk at network size on SQLite and
# on PostgreSQL (skipped, with a line saying so, when none answers at BENCH_PG), the load test of
# 50 learners (0 lost, 0 doubled, 0 5xx) on a fresh database of each kind, and first paint on
# emulated Fast 3G (Debian's Chromium). Needs wrk (Debian). Figures are appended to bench/RESULTS.md.
BENCH_DIR ?= bench/instance
BENCH_PG  ?= postgresql+psycopg://postgres@127.0.0.1:5432/sala_bench
LOAD_PG   ?= postgresql+psycopg://postgres@127.0.0.1:5432/sala_load
bench: $(VENV)/.test-installed system-test
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/bytes.py
	$(BIN)/python bench/seed.py --recreate --database-url sqlite:///$(BENCH_DIR)/bench.db
	$(BIN)/python bench/serve.py --database-url sqlite:///$(BENCH_DIR)/bench.db
	if $(BIN)/python bench/seed.py --recreate --database-url $(BENCH_PG); then \
	  $(BIN)/python bench/serve.py --database-url $(BENCH_PG); \
	else echo "PostgreSQL pass skipped: no database server answered at $(BENCH_PG)."; fi
	$(BIN)/python bench/load.py --results bench/RESULTS.md
	$(BIN)/python bench/load.py --database-url $(LOAD_PG) --results bench/RESULTS.md
	$(BIN)/python bench/first_paint.py --results bench/RESULTS.md

clean:
	rm -rf $(VENV) instance
