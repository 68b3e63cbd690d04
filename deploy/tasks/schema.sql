-- Deploy platform:tasks/schema to pg
-- The tasks module: task definitions, the work queue (tasks), its history, dependencies (a DAG),
-- workflows, execution logs and resource usage. API roles reach the schema; what they may do in
-- it is decided table by table (RLS, grants) and function by function (EXECUTE grants).

begin;

create schema tasks;
comment on schema tasks is
  'Task lifecycle and work queue: definitions, tasks (the hot queue), task_history (finished work), dependencies, workflows, execution logs and resource usage.';
revoke all on schema tasks from public;
grant usage on schema tasks to authenticated, service_role;

commit;
