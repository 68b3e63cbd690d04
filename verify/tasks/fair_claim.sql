-- Verify platform:tasks/fair_claim on pg

begin;

select pg_catalog.has_function_privilege('internal.tasks_ready_organizations(text[])', 'execute');

-- claim_tasks takes turns by organization.
select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'tasks.claim_tasks(text, integer, text[])'::regprocedure
   and prosrc like '%internal.tasks_ready_organizations(claim_tasks.queue_names)%';

-- The claim index leads with queue and organization; the global one is gone.
select 1 / count(*)
  from pg_catalog.pg_index
 where indexrelid = 'tasks.tasks_claim_idx'::regclass and indpred is not null
   and pg_catalog.pg_get_indexdef(indexrelid) like '%(queue_name, organization_id, priority DESC, scheduled_at)%';
select 1 / (count(*) = 0)::int
  from pg_catalog.pg_class
 where oid = pg_catalog.to_regclass('tasks.tasks_queue_name_claim_idx');

rollback;
