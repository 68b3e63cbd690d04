-- Deploy platform:tasks/task_definitions to pg
-- Reusable task templates. A definition names the queue its tasks go to and the policy every task
-- made from it follows: default priority, how many attempts, the retry backoff (base and cap), the
-- lease (how long a claim lasts without a heartbeat), the resources a run needs and a hint of the
-- payload's shape. enqueue_task copies the policy into each task, so editing a definition changes
-- the tasks enqueued after the edit, never the ones already queued or running.

begin;

create table tasks.task_definitions (
  organization_id     uuid         not null,
  id                  uuid         not null default base.uuid_generate_v7(),
  name                text         not null,
  description         text,
  queue_name          text         not null default 'default',
  default_priority    integer      not null default 0,
  max_attempts        integer      not null default 5,
  backoff_base        interval     not null default interval '1 second',
  backoff_cap         interval     not null default interval '1 hour',
  lease_duration      interval     not null default interval '5 minutes',
  required_cpu        numeric(7,3) not null default 1,
  required_memory_mb  integer      not null default 512,
  payload_schema      jsonb        not null default '{}',
  is_active           boolean      not null default true,
  created_at          timestamptz  not null default now(),
  updated_at          timestamptz  not null default now(),
  constraint task_definitions_pkey primary key (organization_id, id),
  constraint task_definitions_organization_id_name_key unique (organization_id, name),
  constraint task_definitions_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint task_definitions_name_check
    check (length(name) <= 100 and name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'),
  constraint task_definitions_description_check check (length(description) <= 10000),
  constraint task_definitions_queue_name_check
    check (length(queue_name) <= 100 and queue_name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'),
  constraint task_definitions_default_priority_check check (default_priority between -1000 and 1000),
  constraint task_definitions_max_attempts_check check (max_attempts between 1 and 1000),
  constraint task_definitions_backoff_base_check
    check (backoff_base >= interval '0' and backoff_base <= interval '1 day'),
  constraint task_definitions_backoff_cap_check
    check (backoff_cap >= backoff_base and backoff_cap <= interval '7 days'),
  constraint task_definitions_lease_duration_check
    check (lease_duration between interval '1 second' and interval '1 day'),
  constraint task_definitions_required_cpu_check check (required_cpu > 0 and required_cpu <= 1024),
  constraint task_definitions_required_memory_mb_check check (required_memory_mb between 1 and 4194304),
  constraint task_definitions_payload_schema_check
    check (jsonb_typeof(payload_schema) = 'object' and pg_column_size(payload_schema) <= 65536)
);

comment on table tasks.task_definitions is
  'Reusable task templates, unique by name per organization: queue, default priority, retry policy, lease and resource requirements. enqueue_task copies the policy into each task.';
comment on column tasks.task_definitions.name is
  'What callers pass to enqueue_task(definition_name => ...): 1-100 characters of letters, digits and _ . : - ; unique per organization.';
comment on column tasks.task_definitions.queue_name is
  'Queue the tasks go to; workers claim from chosen queues (claim_tasks(queue_names => ...)). Same character rules as name.';
comment on column tasks.task_definitions.default_priority is
  'Priority of a task enqueued without one, between -1000 and 1000; higher runs first.';
comment on column tasks.task_definitions.max_attempts is
  'Attempts a task gets (1-1000), the first included; after the last failed attempt the task ends failed.';
comment on column tasks.task_definitions.backoff_base is
  'Delay before the first retry; retry n waits between half and all of least(backoff_cap, backoff_base * 2^(n-1)) (tasks.retry_delay). 0 retries at once.';
comment on column tasks.task_definitions.backoff_cap is 'Upper bound of any retry delay; at least backoff_base, at most 7 days.';
comment on column tasks.task_definitions.lease_duration is
  'The task timeout: a claim (or the last heartbeat) holds the task this long, then recover_expired_leases returns it to the queue. 1 second to 1 day.';
comment on column tasks.task_definitions.required_cpu is 'CPU cores a run needs (0.001 to 1024), for schedulers that place work.';
comment on column tasks.task_definitions.required_memory_mb is 'Memory a run needs, in MiB (1 to 4 TiB).';
comment on column tasks.task_definitions.payload_schema is
  'A hint of the payload''s shape (for example a JSON Schema) for tools and people; not enforced. A JSON object of at most 64 KiB.';
comment on column tasks.task_definitions.is_active is 'False stops new enqueues of this definition (55000); queued tasks still run.';

create trigger _100_set_updated_at
  before update on tasks.task_definitions
  for each row execute function base.tg__set_updated_at();

-- Definitions are configuration: who changed a retry policy or a lease, and when, is worth keeping.
do $$ begin perform base.enable_audit('tasks.task_definitions'); end $$;

alter table tasks.task_definitions enable row level security;

create policy select_member on tasks.task_definitions
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_definitions is 'Every member (viewer and up) reads the organization''s definitions.';

create policy insert_member on tasks.task_definitions
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on tasks.task_definitions is 'Members and up create definitions (module data).';

create policy update_member on tasks.task_definitions
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on tasks.task_definitions is 'Members and up edit definitions.';

create policy delete_admin on tasks.task_definitions
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on tasks.task_definitions is
  'Admins and owners delete definitions; queued tasks keep running (they carry a copy of the policy).';

create policy all_service_role on tasks.task_definitions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_definitions is 'Trusted services manage every definition.';

grant select, delete on tasks.task_definitions to authenticated;
grant insert (organization_id, name, description, queue_name, default_priority, max_attempts, backoff_base,
              backoff_cap, lease_duration, required_cpu, required_memory_mb, payload_schema, is_active)
  on tasks.task_definitions to authenticated;
grant update (name, description, queue_name, default_priority, max_attempts, backoff_base, backoff_cap,
              lease_duration, required_cpu, required_memory_mb, payload_schema, is_active)
  on tasks.task_definitions to authenticated;
grant select, insert, update, delete on tasks.task_definitions to service_role;

commit;
