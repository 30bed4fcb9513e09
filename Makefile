# The README's commands. Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test sim lint bench messages system-packages

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed  ## the console with demo tenants on http://127.0.0.1:$(PORT), simulators included
	$(BIN)/python manage.py demo --port $(PORT)

system-packages:
	bash .ci/system-packages

test: $(BIN)/.installed system-packages  ## lint, then every test (browser tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# pytest exits 5 when it collects nothing: that is a broken suite, not a pass.
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

sim: $(BIN)/.installed  ## serve every vendor simulator on loopback until Ctrl-C
	$(BIN)/python -m vendors.sim

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

messages: $(BIN)/.installed  ## collect translatable strings into locale/, then compile them
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore '.venv/*' --ignore 'tests/*' --ignore 'vendors/*' --ignore 'var/*'
	cd locale && ../$(BIN)/python ../manage.py compilemessages

bench: $(BIN)/.installed  ## every benchmark; each prints its figures last
	$(BIN)/python bench/aliyun_client.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/live.py
	$(BIN)/python bench/recordings.py
	$(BIN)/python bench/load/run.py
