# financeapp: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test setup migrate lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "financeapp needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Creating the virtualenv failed; on Debian: apt install python3-venv"; exit 1; }

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	$(BIN)/flask db upgrade heads

run: migrate
	@$(BIN)/flask demo seed
	@echo ""
	@echo "  financeapp is starting at http://127.0.0.1:5000"
	@echo "  Demo login: $$($(BIN)/python -c 'from config import Config; print(Config.DEMO_EMAIL, "/", Config.DEMO_PASSWORD)')"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# BENCH_DB=mysql+pymysql://root@127.0.0.1:3306/financeapp_bench make bench   (default: SQLite file)
bench: setup
	$(BIN)/python bench/seed.py $(if $(BENCH_DB),--database-url $(BENCH_DB))
	$(BIN)/python bench/run.py $(if $(BENCH_DB),--database-url $(BENCH_DB))

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
