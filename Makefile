# The README's commands. Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# The lock: exact versions with hashes. base.txt is what the console needs to run (production
# installs it); dev.txt is the same pins plus tests, lint, load and lock tools. Both come
# from pyproject.toml through `make lock`.
LOCKS := requirements/base.txt requirements/dev.txt
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --generate-hashes --custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: demo test sim lint bench messages system-packages lock

# The OpenID provider the single sign-on tests start (tests/oidc: oidc-provider from npm, exactly
# the versions in its package-lock.json).
OIDC_PROVIDER := tests/oidc/node_modules/.installed

# Exactly the locked versions, hash-checked; then the project itself, editable, with the
# locked setuptools (no isolated build fetching an unpinned one).
$(BIN)/.installed: pyproject.toml $(LOCKS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

lock: $(BIN)/.installed  ## re-pin requirements/ from pyproject.toml; LOCK_ARGS=--upgrade (or --upgrade-package NAME) for newer versions
	$(UV_COMPILE) pyproject.toml -o requirements/base.txt
	$(UV_COMPILE) pyproject.toml --extra dev --constraint requirements/base.txt -o requirements/dev.txt

demo: $(BIN)/.installed  ## the console with demo tenants on http://127.0.0.1:$(PORT), simulators included
	$(BIN)/python manage.py demo --port $(PORT)

system-packages:
	bash .ci/system-packages

$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is missing: the single sign-on tests will skip (apt-get install -y nodejs npm)" >&2; \
	fi

test: $(BIN)/.installed system-packages $(OIDC_PROVIDER)  ## lint, then every test (browser tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	@# pytest exits 5 when it collects nothing: that is a broken suite, not a pass.
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

sim: $(BIN)/.installed  ## serve every vendor simulator on loopback until Ctrl-C
	$(BIN)/python -m vendors.sim

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

messages: $(BIN)/.installed  ## collect translatable strings into locale/, then compile them
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore '.venv/*' --ignore 'tests/*' --ignore 'vendors/*' --ignore 'var/*'
	cd locale && ../$(BIN)/python ../manage.py compilemessages

bench: $(BIN)/.installed  ## every benchmark; each prints its figures last
	$(BIN)/python bench/aliyun_client.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/live.py
	$(BIN)/python bench/recordings.py
	$(BIN)/python bench/home.py
	$(BIN)/python bench/load/run.py
	$(BIN)/python bench/sim_server.py --action all
	$(BIN)/python bench/scaleout.py
	$(BIN)/python bench/scale.py
