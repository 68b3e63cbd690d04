-- Verify platform:tasks/schema on pg

begin;

do $$
begin
  if not pg_catalog.has_schema_privilege('service_role', 'tasks', 'usage') then
    raise exception 'service_role must have usage on schema tasks';
  end if;
  if pg_catalog.has_schema_privilege('anon', 'tasks', 'usage') then
    raise exception 'anon must not reach schema tasks';
  end if;
end
$$;

rollback;
