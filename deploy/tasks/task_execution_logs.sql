-- Deploy platform:tasks/task_execution_logs to pg
-- Log lines of each attempt of a task, written by workers. Append-only and high-volume:
-- partitioned by month on logged_at, kept 30 days (base.partition_config; change it there).
-- task_id is a soft reference (the task moves from tasks.tasks to tasks.task_history).

begin;

create table tasks.task_execution_logs (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  task_id          uuid        not null,
  attempt          integer     not null,
  level            text        not null default 'info',
  message          text        not null,
  details          jsonb       not null default '{}',
  worker_id        text,
  logged_at        timestamptz not null default now(),
  constraint task_execution_logs_pkey primary key (organization_id, id, logged_at),
  constraint task_execution_logs_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint task_execution_logs_attempt_check check (attempt between 1 and 1000),
  constraint task_execution_logs_level_check check (level in ('debug', 'info', 'warning', 'error')),
  constraint task_execution_logs_message_check check (length(message) between 1 and 10000),
  constraint task_execution_logs_details_check
    check (jsonb_typeof(details) = 'object' and pg_column_size(details) <= 65536),
  constraint task_execution_logs_worker_id_check check (length(worker_id) between 1 and 200)
) partition by range (logged_at);

create index task_execution_logs_organization_id_task_id_logged_at_idx
  on tasks.task_execution_logs (organization_id, task_id, logged_at);

comment on table tasks.task_execution_logs is
  'Log lines of task attempts, written by workers (service_role). Partitioned by month on logged_at; retention in base.partition_config (30 days by default).';
comment on column tasks.task_execution_logs.task_id is 'The task (soft reference to tasks.tasks / tasks.task_history).';
comment on column tasks.task_execution_logs.attempt is 'Which attempt of the task wrote the line (tasks.attempts at the time, from 1).';
comment on column tasks.task_execution_logs.level is 'debug, info, warning or error.';
comment on column tasks.task_execution_logs.details is 'Structured context of the line; a JSON object of at most 64 KiB.';
comment on column tasks.task_execution_logs.worker_id is 'The worker that wrote the line.';

do $$
begin
  perform base.register_partitioned_table('tasks.task_execution_logs', 'month', p_premake => 3,
                                          p_retention => interval '30 days');
end
$$;

alter table tasks.task_execution_logs enable row level security;

create policy select_member on tasks.task_execution_logs
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_execution_logs is 'Every member (viewer and up) reads the organization''s task logs.';

create policy all_service_role on tasks.task_execution_logs
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_execution_logs is 'Workers (service_role) write log lines for every organization.';

grant select on tasks.task_execution_logs to authenticated;
grant select, insert on tasks.task_execution_logs to service_role;

-- Append-only for every role, the owner included (base/append_only): log lines leave with their
-- month's partition (retention) or their organization (ON DELETE CASCADE).
do $$ begin perform base.enable_append_only('tasks.task_execution_logs'); end $$;

commit;
