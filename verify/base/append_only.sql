-- Verify platform:base/append_only on pg

begin;

select 'internal.tg__append_only()'::regprocedure;
select 'base.enable_append_only(regclass)'::regprocedure;
select 1 / (not has_function_privilege(r, 'base.enable_append_only(regclass)', 'execute'))::int
  from unnest(array['anon', 'authenticated', 'service_role']) as r;

rollback;
