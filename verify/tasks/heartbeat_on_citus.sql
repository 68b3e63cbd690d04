-- Verify platform:tasks/heartbeat_on_citus on pg

begin;

-- The UPDATE sets a computed value; no operator over lease_duration inside it.
select 1 / (pg_catalog.strpos(p.prosrc, 'set locked_until = v_until') > 0
            and pg_catalog.strpos(p.prosrc, 'now() + t.lease_duration') = 0)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'tasks.heartbeat_task(uuid, uuid, text)'::regprocedure;

rollback;
