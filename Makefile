# Everything installs from the project's own files: the hash-pinned Python lock and the npm
# lockfile. Needs only Python >= 3.11, Node.js >= 20 with npm, and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install explorer lint format typecheck contracts pytest bench fuzz lock clean

run: install explorer ## start the server with demo data (embedded PostgreSQL unless DATABASE_URL)
	$(BIN)/flexfin serve

test: install explorer lint typecheck contracts pytest ## the whole suite, as CI runs it

install: $(VENV)/.installed

$(VENV)/.installed: requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

explorer: node_modules/.installed ## copy the GraphiQL assets out of node_modules
	node scripts/build-explorer.mjs

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## ruff format, then ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck:
	$(BIN)/mypy

contracts:
	$(BIN)/lint-imports

# Coverage of src/ is measured here only, so its floor (fail_under in pyproject.toml) gates
# the whole suite and not partial runs such as .ci/run's `pytest -m db`.
pytest:
	$(BIN)/pytest --cov

bench: install ## Flexfin against a plain Starlette reference, ~2 minutes (docs/performance.md)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

FUZZ_EXAMPLES ?= 400
fuzz: install ## the long fuzz run: FUZZ_EXAMPLES examples per root field (docs/testing.md)
	FLEXFIN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -m fuzz tests/fuzz

lock: ## re-pin requirements/*.lock after changing pyproject.toml (needs uv)
	for lock in runtime dev; do \
	  extra=$$([ $$lock = dev ] && echo "--extra dev"); \
	  uv pip compile pyproject.toml requirements/build.in $$extra --generate-hashes --universal \
	    --python-version 3.11 --custom-compile-command "make lock" -q -o requirements/$$lock.lock; \
	done

clean:
	rm -rf $(VENV) node_modules src/graphql/transport/static/explorer
