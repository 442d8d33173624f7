# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install lint bench data clean

# The stamp is rebuilt whenever pyproject.toml changes, so new dependencies
# are picked up without deleting the environment by hand.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Until the web app exists, the main job is: validate the national sample and staff it.
run: install
	$(VENV)/bin/scheduler validate data/national
	$(VENV)/bin/scheduler solve data/national -o out/national-roster.xlsx
	$(VENV)/bin/scheduler check data/national out/national-roster.xlsx
	$(VENV)/bin/scheduler export data/national out/national-roster.xlsx -o out/national-export

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check scheduler web tests benchmarks
	$(VENV)/bin/ruff format --check scheduler web tests benchmarks

bench: install
	$(PY) benchmarks/bench_read.py
	$(PY) benchmarks/bench_solve.py
	$(PY) benchmarks/bench_roster.py

# Regenerate the shipped sample data from its recorded seeds.
data: install
	$(VENV)/bin/scheduler generate --volunteers 100 --facilities 6 --days 7 --regions 2 --seed 7 -o data/demo
	$(VENV)/bin/scheduler generate --volunteers 7000 --facilities 160 --days 7 --regions 40 --seed 2020 -o data/national
	$(VENV)/bin/scheduler template -o data/templates/staffing-template.xlsx
	$(VENV)/bin/scheduler template -o data/templates/csv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
