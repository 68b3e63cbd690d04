-- Deploy platform:tasks/task_resource_usage to pg
-- Resource samples of task attempts (CPU, memory, I/O, elapsed time), written by workers and read
-- to find the tasks that cost the most. Append-only: partitioned by month on measured_at, kept 90
-- days. task_id is a soft reference (the task moves to tasks.task_history when it ends).

begin;

create table tasks.task_resource_usage (
  organization_id    uuid          not null,
  id                 uuid          not null default base.uuid_generate_v7(),
  task_id            uuid          not null,
  attempt            integer       not null,
  worker_id          text,
  cpu_usage_percent  numeric(8,2),
  memory_bytes       bigint,
  io_read_bytes      bigint,
  io_write_bytes     bigint,
  duration_ms        bigint,
  measured_at        timestamptz   not null default now(),
  constraint task_resource_usage_pkey primary key (organization_id, id, measured_at),
  constraint task_resource_usage_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint task_resource_usage_attempt_check check (attempt between 1 and 1000),
  constraint task_resource_usage_worker_id_check check (length(worker_id) between 1 and 200),
  constraint task_resource_usage_cpu_usage_percent_check check (cpu_usage_percent between 0 and 102400),
  constraint task_resource_usage_memory_bytes_check check (memory_bytes >= 0),
  constraint task_resource_usage_io_read_bytes_check check (io_read_bytes >= 0),
  constraint task_resource_usage_io_write_bytes_check check (io_write_bytes >= 0),
  constraint task_resource_usage_duration_ms_check check (duration_ms >= 0),
  constraint task_resource_usage_sample_check
    check (num_nonnulls(cpu_usage_percent, memory_bytes, io_read_bytes, io_write_bytes, duration_ms) > 0)
) partition by range (measured_at);

create index task_resource_usage_organization_id_task_id_measured_at_idx
  on tasks.task_resource_usage (organization_id, task_id, measured_at);

comment on table tasks.task_resource_usage is
  'Resource samples of task attempts (CPU %, memory, I/O, duration), written by workers. Partitioned by month on measured_at; retention in base.partition_config (90 days by default).';
comment on column tasks.task_resource_usage.task_id is 'The task (soft reference to tasks.tasks / tasks.task_history).';
comment on column tasks.task_resource_usage.attempt is 'Which attempt of the task was measured (from 1).';
comment on column tasks.task_resource_usage.cpu_usage_percent is 'CPU use in percent of one core (above 100 for several cores), up to 102400.';
comment on column tasks.task_resource_usage.memory_bytes is 'Resident memory at the sample, in bytes.';
comment on column tasks.task_resource_usage.io_read_bytes is 'Bytes read since the previous sample of the attempt.';
comment on column tasks.task_resource_usage.io_write_bytes is 'Bytes written since the previous sample of the attempt.';
comment on column tasks.task_resource_usage.duration_ms is 'Elapsed time of the attempt at the sample, in milliseconds.';

do $$
begin
  perform base.register_partitioned_table('tasks.task_resource_usage', 'month', p_premake => 3,
                                          p_retention => interval '90 days');
end
$$;

alter table tasks.task_resource_usage enable row level security;

create policy select_member on tasks.task_resource_usage
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_resource_usage is 'Every member (viewer and up) reads the organization''s resource samples.';

create policy all_service_role on tasks.task_resource_usage
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_resource_usage is 'Workers (service_role) write samples for every organization.';

grant select on tasks.task_resource_usage to authenticated;
grant select, insert on tasks.task_resource_usage to service_role;

-- Append-only for every role, the owner included (base/append_only): samples leave with their
-- month's partition (retention) or their organization (ON DELETE CASCADE).
do $$ begin perform base.enable_append_only('tasks.task_resource_usage'); end $$;

commit;
