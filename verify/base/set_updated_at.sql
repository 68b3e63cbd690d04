-- Verify platform:base/set_updated_at on pg

begin;

select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'base.tg__set_updated_at()'::regprocedure
   and prorettype = 'trigger'::regtype;

rollback;
