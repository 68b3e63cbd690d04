-- Locks and notifications, schema-wide (hardening issue, items 3 and 7). Every function of the
-- package is found in the catalog, so a function added later is held to the same rules.
--   * No advisory locks: pg_advisory_lock and its kin are callable by every role and the keys are
--     guessable, so a caller could hold one and stall another tenant's work or a maintenance job.
--     Package code serializes with internal.serialize_tenant (a row of internal.tenant_locks) or a
--     row lock on a table no API role may lock.
--   * Anyone may LISTEN on any channel, so every pg_notify of the package sends a constant
--     channel with an empty payload: a notification means "poll now" and carries no tenant data.
begin;
select plan(8);

create temporary view package_functions as
select p.oid, p.oid::regprocedure::text as name, p.prosrc
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
   and not exists (select from pg_catalog.pg_depend as d where d.objid = p.oid and d.deptype = 'e');

-- Every pg_notify(...) call of the package, with its argument list.
create temporary view package_notifications as
select f.name, m[1] as arguments
  from package_functions as f
 cross join lateral regexp_matches(f.prosrc, 'pg_notify\s*\(([^)]*)\)', 'gi') as m;

select ok((select count(*) from package_functions) > 100, 'the package has functions to check');

select is(
  (select array_agg(name order by name) from package_functions
    where prosrc ~* 'pg_(try_)?advisory_'),
  null,
  'no package function takes (or tries) an advisory lock');

select ok((select count(distinct name) from package_notifications) >= 5,
          'the notification rule has calls to check (enqueue, claim, lifecycle, ingest, routing ...)');

select is(
  (select array_agg(name || ': ' || arguments order by name) from package_notifications
    where arguments !~ '^\s*''[a-z_]+''\s*,\s*''''\s*$'),
  null,
  'every pg_notify of the package names a constant channel and sends an empty payload');

select is(
  (select array_agg(distinct substring(arguments from '''([a-z_]+)''') order by substring(arguments from '''([a-z_]+)'''))
     from package_notifications),
  array['event_deliveries_ready', 'events_pending', 'tasks_ready'],
  'the package notifies exactly the documented channels');

-- Who could hold the package's locks: locking a row needs UPDATE on its table.
select is(
  (select array_agg(r.rolname || ' on ' || t.t order by r.rolname, t.t)
     from (values ('anon'), ('authenticated'), ('service_role'), ('platform_monitor')) as r(rolname)
    cross join (values ('internal.tenant_locks')) as t(t)
    where has_any_column_privilege(r.rolname, t.t, 'UPDATE') or has_table_privilege(r.rolname, t.t, 'SELECT')),
  null,
  'no API role may read or lock internal.tenant_locks');

select is(
  (select array_agg(r.rolname order by r.rolname)
     from (values ('anon'), ('authenticated'), ('platform_monitor')) as r(rolname)
    where has_any_column_privilege(r.rolname, 'monitoring.maintenance_jobs', 'UPDATE')),
  null,
  'no API role but the trusted service_role may lock a maintenance job''s row (which would skip its runs)');

select is(
  (select array_agg(r.rolname order by r.rolname)
     from (values ('anon'), ('authenticated'), ('service_role'), ('platform_monitor')) as r(rolname)
    where has_function_privilege(r.rolname, 'internal.serialize_tenant(uuid, text)', 'EXECUTE')),
  null,
  'no API role may call internal.serialize_tenant (and so hold another organization''s lock)');

select * from finish();
rollback;
