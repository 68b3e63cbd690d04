-- Verify platform:tasks/heartbeat_on_citus on pg

begin;

-- The lease end is computed in UTC: no timestamptz + interval over lease_duration.
select 1 / (pg_catalog.strpos(p.prosrc, '((now() at time zone ''UTC'') + t.lease_duration) at time zone ''UTC''') > 0
            and pg_catalog.strpos(p.prosrc, 'now() + t.lease_duration') = 0)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'tasks.heartbeat_task(uuid, uuid, text)'::regprocedure;

rollback;
