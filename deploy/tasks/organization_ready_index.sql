-- Deploy platform:tasks/organization_ready_index to pg
-- One organization's ready work in claim order: the original design's ready-to-run query
--   select t.* from tasks.tasks t
--    where t.organization_id = $1 and t.status = 'pending' and t.scheduled_at <= now()
--      and tasks.are_task_dependencies_satisfied(t.id)
--    order by t.priority desc, t.scheduled_at limit 100;
-- read in index order, so the per-row readiness test runs on the rows returned rather than on
-- every pending task of the tenant before a sort (measured by bench/cases.py: the query grew with
-- the tenant's backlog without it). Partial like the claim indexes: claims never insert into it
-- (a running row is not pending); enqueue and release add one entry per ready task.
-- A plain CREATE INDEX: the queue table is small by design (finished work leaves it), so the
-- write lock it takes is short. On a very large backlog, create it CONCURRENTLY by hand first,
-- under this name, and this change only records it.

begin;

create index if not exists tasks_organization_id_claim_idx
  on tasks.tasks (organization_id, priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';

comment on index tasks.tasks_organization_id_claim_idx is
  'Ready (pending) tasks of one organization in claim order: the ready-to-run query of a tenant, and a tenant''s queue in the dashboard.';

commit;
