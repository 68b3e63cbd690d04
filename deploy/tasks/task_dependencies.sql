-- Deploy platform:tasks/task_dependencies to pg
-- The DAG: "task_id depends on depends_on_task_id". A task runs only once every task it depends on
-- has succeeded; if one of them ends failed or cancelled, it is cancelled too, with the cause
-- recorded. The rules live in the trigger of the change tasks/dependency_rules; this change holds
-- the table, its indexes and its access rules.
--
-- Both ends are soft references (uuids, no foreign keys): a task row moves from tasks.tasks to
-- tasks.task_history when it ends, and an edge must survive that move (it is how a finished
-- workflow's graph is read afterwards). The trigger checks that both ends exist when the edge is
-- added. Edges are never updated; they leave with their organization or through prune_orphans().

begin;

create table tasks.task_dependencies (
  organization_id     uuid        not null,
  id                  uuid        not null default base.uuid_generate_v7(),
  task_id             uuid        not null,
  depends_on_task_id  uuid        not null,
  created_at          timestamptz not null default now(),
  constraint task_dependencies_pkey primary key (organization_id, id),
  -- One edge per pair. Led by task_id so are_task_dependencies_satisfied(task_id), whose signature
  -- has no organization, finds a task's edges directly; organization_id is kept in the key so it
  -- stays valid when the table is distributed by organization.
  constraint task_dependencies_edge_key unique (task_id, depends_on_task_id, organization_id),
  constraint task_dependencies_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint task_dependencies_depends_on_task_id_check check (depends_on_task_id <> task_id)
);

-- "Who depends on this task?": used when a task ends (release or cancel its dependants) and by
-- the cycle check.
create index task_dependencies_organization_id_depends_on_task_id_idx
  on tasks.task_dependencies (organization_id, depends_on_task_id);

comment on table tasks.task_dependencies is
  'DAG edges: task_id depends on depends_on_task_id (same organization). Added by enqueue_task(depends_on => ...) or by INSERT; the _100_apply trigger rejects cycles and blocks, releases or cancels the dependant.';
comment on column tasks.task_dependencies.task_id is 'The dependant (soft reference to tasks.tasks / tasks.task_history).';
comment on column tasks.task_dependencies.depends_on_task_id is 'The task it waits for (soft reference to tasks.tasks / tasks.task_history).';

alter table tasks.task_dependencies enable row level security;

create policy select_member on tasks.task_dependencies
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_dependencies is 'Every member (viewer and up) reads the organization''s task graph.';

create policy insert_member on tasks.task_dependencies
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on tasks.task_dependencies is 'Members and up add dependencies between their organization''s tasks.';

create policy all_service_role on tasks.task_dependencies
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_dependencies is 'Trusted services manage every edge (deleting one does not release its dependant).';

grant select on tasks.task_dependencies to authenticated;
grant insert (organization_id, task_id, depends_on_task_id) on tasks.task_dependencies to authenticated;
grant select, insert, delete on tasks.task_dependencies to service_role;

commit;
