-- Schema-wide rules. They find every object of the package by themselves, so a table, view or
-- function added by any later change is held to the same rules without being listed here.
-- Each rule is one assertion that lists the offenders, so a failure names what to fix.
begin;
select plan(16);

create temporary view package_schemas as
select n.oid, n.nspname
  from pg_catalog.pg_namespace as n
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring');

-- Ordinary and partitioned tables, partitions excluded (they inherit everything from the parent).
create temporary view package_tables as
select c.oid, c.oid::regclass::text as name, c.relrowsecurity, c.relkind
  from pg_catalog.pg_class as c
  join package_schemas as s on s.oid = c.relnamespace
 where c.relkind in ('r', 'p') and not c.relispartition;

create temporary view package_functions as
select p.oid, p.oid::regprocedure::text as name, p.prosecdef, p.proconfig, p.proacl, p.prokind
  from pg_catalog.pg_proc as p
  join package_schemas as s on s.oid = p.pronamespace
 where not exists (select from pg_catalog.pg_depend as d
                    where d.objid = p.oid and d.deptype = 'e');

select ok((select count(*) from package_tables) > 0, 'the package has tables to check');

select is(
  (select array_agg(name order by name) from package_tables where not relrowsecurity),
  null,
  'every table has row-level security enabled');

select is(
  (select array_agg(t.name order by t.name) from package_tables as t
    where not exists (select from pg_catalog.pg_policy as p where p.polrelid = t.oid)),
  null,
  'every table has at least one policy');

select is(
  (select array_agg(t.name order by t.name) from package_tables as t
    where not exists (select from pg_catalog.pg_policy as p
                       where p.polrelid = t.oid and 'service_role'::regrole = any (p.polroles))),
  null,
  'every table has an explicit service_role policy, so workers need no BYPASSRLS');

select is(
  (select array_agg(t.name order by t.name) from package_tables as t
    where not exists (select from pg_catalog.pg_constraint as k where k.conrelid = t.oid and k.contype = 'p')),
  null,
  'every table has a primary key');

select is(
  (select array_agg(c.oid::regclass::text order by 1)
     from pg_catalog.pg_class as c join package_schemas as s on s.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition
      and obj_description(c.oid, 'pg_class') is null),
  null,
  'every table and view has a comment');

select is(
  (select array_agg(name order by name) from package_functions
    where obj_description(oid, 'pg_proc') is null),
  null,
  'every function has a comment');

select is(
  (select array_agg(name order by name) from package_functions
    where prosecdef and not coalesce(proconfig @> array['search_path=pg_catalog, pg_temp'], false)),
  null,
  'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp (temp_shadowing.sql proves why)');

-- Supabase's advisor 0011 (function_search_path_mutable) flags every function without its own
-- search_path; the package pins it everywhere, so no function depends on the caller's path.
select is(
  (select array_agg(name order by name) from package_functions
    where not coalesce(proconfig @> array['search_path=pg_catalog, pg_temp'], false)),
  null,
  'every function pins search_path = pg_catalog, pg_temp, invoker ones too (Supabase advisor 0011)');

-- Supabase's advisors 0028/0029: a definer function that anon or authenticated can run must not sit
-- in a schema the Data API may expose. Definer bodies live in internal behind invoker entry points.
select is(
  (select array_agg(name order by name) from package_functions as f
    where prosecdef
      and f.name not like 'internal.%'
      and (has_function_privilege('anon', f.oid, 'execute')
           or has_function_privilege('authenticated', f.oid, 'execute'))),
  null,
  'no SECURITY DEFINER function that anon or authenticated may run lives outside internal');

select is(
  (select array_agg(name order by name) from package_functions
    where proacl is null
       or exists (select from aclexplode(proacl) as a where a.grantee = 0 and a.privilege_type = 'EXECUTE')),
  null,
  'no function is executable by PUBLIC');

-- A foreign key needs an index whose leading columns are exactly its columns (in any order),
-- or every delete of a parent row scans the child table.
select is(
  (select array_agg(k.conrelid::regclass || '.' || k.conname order by 1)
     from pg_catalog.pg_constraint as k
     join package_tables as t on t.oid = k.conrelid
    where k.contype = 'f'
      and not exists (
        select from pg_catalog.pg_index as i
         where i.indrelid = k.conrelid
           and (select array_agg(x order by x) from unnest(k.conkey) as x)
             = (select array_agg(x order by x)
                  from unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) as x))),
  null,
  'every foreign key has an index that starts with its columns');

select is(
  (select array_agg(t.name order by t.name) from package_tables as t
    where t.name not like 'internal.%'
      and exists (select from pg_catalog.pg_attribute as a
                   where a.attrelid = t.oid and a.attname = 'organization_id' and not a.attisdropped)
      and not exists (select from pg_catalog.pg_attribute as a
                       where a.attrelid = t.oid and a.attnum = 1 and a.attname = 'organization_id')
      and t.name not in ('base.audit_log')),
  null,
  'tenant-owned tables put organization_id first');

-- A foreign key between two tenant tables must carry organization_id, so a row can never point
-- at another tenant's row (DESIGN: composite keys), whatever the policies say.
select is(
  (select array_agg(k.conrelid::regclass || '.' || k.conname order by 1)
     from pg_catalog.pg_constraint as k
     join package_tables as child on child.oid = k.conrelid
     join package_tables as parent on parent.oid = k.confrelid
    where k.contype = 'f'
      and exists (select from pg_attribute a where a.attrelid = k.conrelid and a.attname = 'organization_id' and not a.attisdropped)
      and exists (select from pg_attribute a where a.attrelid = k.confrelid and a.attname = 'organization_id' and not a.attisdropped)
      and not exists (select from unnest(k.conkey) as c (n)
                        join pg_attribute as a on a.attrelid = k.conrelid and a.attnum = c.n
                       where a.attname = 'organization_id')),
  null,
  'every foreign key between tenant tables includes organization_id');

-- BEFORE ROW triggers run before the RLS check of the row: a SECURITY DEFINER one would read (and
-- could reveal, in a message or by which error it raises) rows of an organization the caller does
-- not belong to. Such logic runs as the caller, or in an AFTER trigger (hardening issue, item 8).
select is(
  (select array_agg(t.tgrelid::regclass || '.' || t.tgname || ' -> ' || p.oid::regprocedure order by 1)
     from pg_catalog.pg_trigger as t
     join package_tables as c on c.oid = t.tgrelid
     join pg_catalog.pg_proc as p on p.oid = t.tgfoid
    where not t.tgisinternal
      and t.tgtype::int & 1 = 1          -- ROW
      and t.tgtype::int & 2 = 2          -- BEFORE
      and c.relrowsecurity
      and p.prosecdef),
  null,
  'no BEFORE ROW trigger of a table with RLS runs a SECURITY DEFINER function');

select is(
  (select array_agg(name order by name) from package_tables as t
    where has_table_privilege('anon', t.oid, 'select, insert, update, delete')),
  null,
  'anon cannot read or write any table');

select * from finish();
rollback;
