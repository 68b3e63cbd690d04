-- Every privilege held directly by an API role (anon, authenticated, service_role, and the
-- monitoring role when it exists) on the package's schemas, tables, views, sequences, columns and
-- functions. Used by tests/pgtap/schema/privileges.sql and by `make privileges`, which writes the
-- expected list into that test.
create temporary view api_privileges as
with api_roles as (
  select oid, rolname::text as role from pg_catalog.pg_roles
   where rolname in ('anon', 'authenticated', 'service_role', 'platform_monitor')
), pkg as (
  select oid, nspname::text as nspname from pg_catalog.pg_namespace
   where nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
)
select r.role, 'schema'::text as kind, n.nspname as object, p.privilege
  from api_roles as r cross join pkg as n cross join unnest(array['USAGE', 'CREATE']) as p (privilege)
 where pg_catalog.has_schema_privilege(r.oid, n.oid, p.privilege)
union all
select r.role,
       case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
       c.oid::regclass::text, a.privilege_type
  from pg_catalog.pg_class as c join pkg as n on n.oid = c.relnamespace
 cross join lateral aclexplode(c.relacl) as a
  join api_roles as r on r.oid = a.grantee
 where c.relkind in ('r', 'p', 'v', 'm', 'S') and not c.relispartition
union all
select r.role, 'column', c.oid::regclass::text || '.' || att.attname, a.privilege_type
  from pg_catalog.pg_attribute as att
  join pg_catalog.pg_class as c on c.oid = att.attrelid
  join pkg as n on n.oid = c.relnamespace
 cross join lateral aclexplode(att.attacl) as a
  join api_roles as r on r.oid = a.grantee
 where att.attnum > 0 and not att.attisdropped and not c.relispartition
union all
select r.role, 'function', p.oid::regprocedure::text, a.privilege_type
  from pg_catalog.pg_proc as p join pkg as n on n.oid = p.pronamespace
 cross join lateral aclexplode(p.proacl) as a
  join api_roles as r on r.oid = a.grantee;
