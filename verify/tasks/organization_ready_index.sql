-- Verify platform:tasks/organization_ready_index on pg

begin;

-- Partial (ready work only) and valid.
select 1 / count(*)
  from pg_catalog.pg_index
 where indexrelid = 'tasks.tasks_organization_id_claim_idx'::regclass and indpred is not null and indisvalid;

rollback;
