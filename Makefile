# financeapp: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
PORT ?= 5000
SCHEDULE_EVERY ?= 1m

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

# The scheduler (recurring posts, alerts, deliveries, digests) runs beside the server and stops with it.
run: migrate
	@$(BIN)/flask demo seed
	@echo ""
	@echo "  financeapp is starting at http://127.0.0.1:$(PORT)"
	@echo "  Demo login: $$($(BIN)/python -c 'from config import Config; print(Config.DEMO_EMAIL, "/", Config.DEMO_PASSWORD)')"
	@echo "  Scheduled jobs run every minute (log: instance/scheduler.log)"
	@echo ""
	@$(BIN)/flask jobs loop --every $(SCHEDULE_EVERY) >> instance/scheduler.log 2>&1 & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# BENCH_DB=mysql+pymysql://root@127.0.0.1:3306/financeapp_bench make bench   (default: SQLite file)
bench: setup
	$(BIN)/python bench/seed.py $(if $(BENCH_DB),--database-url $(BENCH_DB))
	$(BIN)/python bench/run.py $(if $(BENCH_DB),--database-url $(BENCH_DB))

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache artifacts
