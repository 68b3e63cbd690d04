-- Verify platform:base/refuse_oversized on pg

begin;

select 1 / (p.provolatile = 'i' and not p.prosecdef)::int
  from pg_catalog.pg_proc as p where p.oid = 'base.refuse_oversized(text, bigint, bigint)'::regprocedure;

-- It must raise 22023.
do $$
begin
  perform base.refuse_oversized('p_probe', 2, 1);
  raise exception 'base.refuse_oversized returned instead of raising';
exception when invalid_parameter_value then
  null;
end
$$;

rollback;
