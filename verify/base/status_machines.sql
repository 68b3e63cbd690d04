-- Verify platform:base/status_machines on pg

begin;

select machine, from_status, to_status from base.status_transitions where false;

select 1 / (c.relrowsecurity)::int from pg_catalog.pg_class as c where c.oid = 'base.status_transitions'::regclass;

select 1 / (p.prosecdef = false and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.tg__check_status_transition()'::regprocedure;

rollback;
