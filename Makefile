# The platform schema: every entry point. `make help` lists them.
#
# Target server: the embedded cluster under .pgdata/ (started on demand), unless DATABASE_URL
# (or libpq's PGHOST/PGPORT/PGDATABASE/PGUSER) names another one. See scripts/dbenv.sh.

SHELL       := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Databases the test run creates (and re-creates) on the target server.
TEST_DB ?= platform_test
SCALE   ?= 0.01

with_env = source scripts/dbenv.sh;


.PHONY: help deps db-start stop status report deploy revert verify seed schemas docs test test-pgtap test-smoke \
        test-matrix test-citus test-as-user check-schemas bench-data bench bench-growth privileges clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install missing Debian packages (apt-get/sudo) and the pinned Python harness in .venv
	@scripts/deps.sh

db-start: ## start the embedded cluster (.pgdata/, unix socket, port 54329); no-op with DATABASE_URL
	@scripts/deps.sh packages
	@$(with_env) if [ "$$TARGET_MODE" = embedded ]; then scripts/pg-embedded.sh start; \
	  else echo "db-start: DATABASE_URL/PG* given, nothing to start"; fi

stop: ## stop the embedded cluster
	@scripts/pg-embedded.sh stop

deploy: db-start ## deploy every change with Sqitch (--verify), then print status and health
	@$(with_env) sqitch deploy --verify "$$(sqitch_target "$$TARGET_URL")"
	@$(MAKE) --no-print-directory status

status: ## deployed changes and what the monitoring views say
	@$(with_env) scripts/status.sh "$$TARGET_URL"

report: db-start ## print the monitoring health report (monitoring/report.sql)
	@$(with_env) psql_url "$$TARGET_URL" -P pager=off -f monitoring/report.sql

revert: db-start ## revert every change (or to a change: make revert TO=base/users)
	@$(with_env) sqitch revert -y $(if $(TO),--to $(TO)) "$$(sqitch_target "$$TARGET_URL")"

verify: db-start ## run every verify script against the deployed database
	@$(with_env) sqitch verify "$$(sqitch_target "$$TARGET_URL")"

seed: db-start ## load the demo data (two organizations, users in every role); safe to repeat
	@$(with_env) psql_url "$$TARGET_URL" -f seeds/seed_data.sql

schemas: db-start ## regenerate schemas/*.sql (one file per owning module) from a fresh deploy
	@$(with_env) scripts/schemas.sh write

docs: db-start ## regenerate docs/<module>.md reference parts and docs/erd/*.svg from a fresh deploy
	@$(with_env) scripts/docs.sh write

test: deps db-start ## fresh database, deploy, pgTAP (pg_prove), pytest smoke suite, lanes, schemas/ and docs/ checks
	@scripts/test.sh

test-citus: deps ## Citus lane: build Citus 13.2.2 if needed, coordinator + 2 workers, deploy, distribute, API tests, revert
	@scripts/citus.sh test

test-as-user: ## (root) make deploy && make test as an ordinary user in a clone in a private home
	@scripts/lanes.sh as-user

test-matrix: deps ## make test's whole suite on PostgreSQL 16, 17 and 18 (make test-matrix VERSIONS=17)
	@scripts/matrix.sh test $(VERSIONS)

bench-data: deps db-start ## build the benchmark data set: make bench-data SCALE=1
	@$(with_env) SCALE=$(SCALE) scripts/bench.sh data

bench: deps db-start ## run the benchmark suites at SCALE and write bench/results/<date>-<host>.md
	@$(with_env) SCALE=$(SCALE) scripts/bench.sh run

clean: ## stop the embedded cluster and remove its data, .venv and caches
	-@scripts/pg-embedded.sh destroy
	rm -rf .pgdata .venv .pytest_cache tests/smoke/__pycache__ .hypothesis

bench-growth: deps db-start ## latency suite at SCALE and SCALE/10, with the ratio per query
	@$(with_env) SCALE=$(SCALE) scripts/bench.sh growth

privileges: db-start ## regenerate the expected privilege map (tests/pgtap/schema/privileges.sql)
	@scripts/privileges.sh
