-- Verify platform:tasks/recover_leases_on_citus on pg

begin;

-- Expired leases are requeued one organization at a time.
select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'tasks.recover_expired_leases()'::regprocedure
   and prosrc like '%where t.organization_id = v_organization and t.id = e.id%';

rollback;
