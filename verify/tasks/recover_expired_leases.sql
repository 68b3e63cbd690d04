-- Verify platform:tasks/recover_expired_leases on pg

begin;

select 'tasks.recover_expired_leases()'::regprocedure;
select 1 / (not pg_catalog.has_function_privilege('authenticated', 'tasks.recover_expired_leases()', 'execute'))::int;

rollback;
