-- Deploy platform:tasks/json_document to pg
-- The type of a task's payload and result: a JSON object of at most 1 MiB. A domain rather than a
-- CHECK on each table because the queue writes one row per statement: PostgreSQL re-reads and
-- plans every table CHECK for each such statement (and re-checks it on every UPDATE, payload
-- untouched or not), while a domain's check is planned once per session and runs only where a
-- value is assigned to the column. A payload moved from tasks.tasks to tasks.task_history keeps
-- its type and is not checked twice.

begin;

create domain tasks.json_document as jsonb
  constraint json_document_check check (jsonb_typeof(value) = 'object' and pg_column_size(value) <= 1048576);

comment on domain tasks.json_document is
  'A JSON object of at most 1 MiB: the payload and the result of a task.';

grant usage on domain tasks.json_document to authenticated, service_role;

commit;
