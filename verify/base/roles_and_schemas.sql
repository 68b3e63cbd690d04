-- Verify platform:base/roles_and_schemas on pg

begin;

do $$
begin
  if (select count(*) from pg_catalog.pg_roles
       where rolname in ('anon', 'authenticated', 'service_role')) <> 3 then
    raise exception 'the API roles anon, authenticated and service_role must exist';
  end if;
  if not pg_catalog.has_schema_privilege('authenticated', 'base', 'usage') then
    raise exception 'authenticated must have usage on schema base';
  end if;
  if pg_catalog.has_schema_privilege('anon', 'internal', 'usage') then
    raise exception 'anon must not reach schema internal';
  end if;
end
$$;

rollback;
