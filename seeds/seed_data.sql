-- Demo data for every module: `make seed`, or psql -v ON_ERROR_STOP=1 -f seeds/seed_data.sql.
-- Loads into whatever database you point it at, so it is never run by deploy or test targets
-- against a server you named. Loading it twice gives no error and no duplicates.
\set ON_ERROR_STOP on
begin;
\ir 00_base.sql
\ir 01_projects.sql
\ir 02_tasks.sql
\ir 03_analytics.sql
\ir 04_prompts.sql
\ir 05_events.sql
commit;
\echo 'seed: demo data loaded (organizations acme and globex)'
