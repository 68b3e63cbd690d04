-- Verify platform:base/tenant_locks on pg

begin;

select organization_id, scope, version, locked_at from internal.tenant_locks where false;

-- Definer with the safe path, and no API role may touch the table.
select 1 / (p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p where p.oid = 'internal.serialize_tenant(uuid, text)'::regprocedure;
select 1 / (not has_table_privilege(r, 'internal.tenant_locks', 'select, insert, update, delete, truncate'))::int
  from unnest(array['anon', 'authenticated', 'service_role']) as r;

rollback;
