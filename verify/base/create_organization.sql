-- Verify platform:base/create_organization on pg

begin;

select 1 / (p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.create_organization(text, text, text)'::regprocedure;
-- the API entry point is an invoker wrapper around it
select 1 / (not p.prosecdef)::int from pg_catalog.pg_proc as p where p.oid = 'base.create_organization(text, text, text)'::regprocedure;

rollback;
