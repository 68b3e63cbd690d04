-- Verify platform:base/current_user_id on pg

begin;

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_language as l on l.oid = p.prolang
 where p.oid in ('base.current_user_id()'::regprocedure, 'base.current_user_email()'::regprocedure)
   and l.lanname = 'plpgsql' and p.provolatile = 's' and not p.prosecdef
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

rollback;
