# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run national test install lint bench data messages clean

# The stamp is rebuilt whenever pyproject.toml changes, so new dependencies
# are picked up without deleting the environment by hand.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The translations: each web/translations/<language>/LC_MESSAGES/messages.po compiled to the
# .mo beside it (never committed), again whenever the .po is newer. Fuzzy entries are left out.
CATALOGS := $(wildcard web/translations/*/LC_MESSAGES/messages.po)
%.mo: %.po | $(STAMP)
	$(VENV)/bin/pybabel compile --domain messages --input-file $< --output-file $@

install: $(STAMP) $(CATALOGS:.po=.mo)

# The web app, its solve worker and its notice worker (Huey, queues in instance/huey.sqlite3)
# on an embedded SQLite database (instance/), with demo data and a published roster; prints
# the address and one demo account per role. Notices go by SMTP when SCHEDULER_MAIL_SERVER
# (and SCHEDULER_MAIL_PORT...) is set, else into files under instance/mail/. The demo lives in the present: data/demo's generator,
# sizes and seed, with shifts from a week before today to a week after (instance/demo),
# so there are always past shifts, today's and upcoming ones. data/demo itself stays as
# `make data` writes it, reproducible.
DEMO_START := $(shell date -d '7 days ago' +%F)
FLASK := SCHEDULER_SESSION_COOKIE_SECURE=false SCHEDULER_REMEMBER_COOKIE_SECURE=false \
	$(VENV)/bin/flask --app web
HOST  ?= 127.0.0.1
PORT  ?= 5000
run: install
	$(FLASK) init-db
	$(VENV)/bin/scheduler generate --volunteers 100 --facilities 6 --days 15 --regions 2 \
		--seed 7 --start $(DEMO_START) -o instance/demo
	$(FLASK) load-data instance/demo --solve
	@echo "Demo accounts:"
	@$(FLASK) demo-accounts
	@echo "Open http://$(HOST):$(PORT)/ (Ctrl-C stops the server and both workers)"
	export SCHEDULER_SITE_URL=$${SCHEDULER_SITE_URL:-http://$(HOST):$(PORT)}; \
		$(FLASK) worker & solves=$$!; $(FLASK) notices-worker & notices=$$!; \
		trap 'kill $$solves $$notices 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)

# The engine alone at national scale: validate, staff, check and export data/national.
national: install
	$(VENV)/bin/scheduler validate data/national
	$(VENV)/bin/scheduler solve data/national -o out/national-roster.xlsx
	$(VENV)/bin/scheduler check data/national out/national-roster.xlsx
	$(VENV)/bin/scheduler export data/national out/national-roster.xlsx -o out/national-export

# The type checker (pyproject.toml's [tool.mypy]), then the whole suite on SQLite; then,
# with TEST_DATABASE_URL set (.ci/run sets it to the PostgreSQL it starts), the database
# tests again against that server.
test: install
	$(VENV)/bin/mypy
	env -u TEST_DATABASE_URL $(PY) -m pytest
ifdef TEST_DATABASE_URL
	$(PY) -m pytest tests/web
endif

lint: install
	$(VENV)/bin/ruff check scheduler web tests benchmarks
	$(VENV)/bin/ruff format --check scheduler web tests benchmarks

bench: install
	$(PY) benchmarks/bench_read.py
	$(PY) benchmarks/bench_solve.py
	$(PY) benchmarks/bench_roster.py
	$(PY) benchmarks/bench_web.py

# Regenerate the shipped sample data from its recorded seeds.
data: install
	$(VENV)/bin/scheduler generate --volunteers 100 --facilities 6 --days 7 --regions 2 --seed 7 -o data/demo
	$(VENV)/bin/scheduler generate --volunteers 7000 --facilities 160 --days 7 --regions 40 --seed 2020 -o data/national
	$(VENV)/bin/scheduler template -o data/templates/staffing-template.xlsx
	$(VENV)/bin/scheduler template -o data/templates/csv

# After adding or changing a message in web/ or scheduler/: extract every message into
# messages.pot (web) and build/scheduler.pot (the engine, read at run time from its .po by
# scheduler.i18n: no .mo) and merge each into its catalogs; then translate what is new or
# marked fuzzy in the .po files (tests/web/test_i18n.py and tests/test_language.py fail until
# every message has its translation).
BABEL_KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
SCHEDULER_KEYWORDS := -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k N_
messages: install
	$(VENV)/bin/pybabel extract --mapping-file babel.cfg $(BABEL_KEYWORDS) --add-location file \
		--sort-by-file --project volunteer-scheduler --output-file web/translations/messages.pot .
	$(VENV)/bin/pybabel update --input-file web/translations/messages.pot \
		--output-dir web/translations --ignore-obsolete --width 100
	mkdir -p build
	$(VENV)/bin/pybabel extract --mapping-file babel-scheduler.cfg $(SCHEDULER_KEYWORDS) \
		--add-location file --sort-by-file --project volunteer-scheduler \
		--output-file build/scheduler.pot .
	$(VENV)/bin/pybabel update --domain scheduler --input-file build/scheduler.pot \
		--output-dir scheduler/locale --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	rm -f $(CATALOGS:.po=.mo)
