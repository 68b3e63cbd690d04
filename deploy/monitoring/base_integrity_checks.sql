-- Deploy platform:monitoring/base_integrity_checks to pg
-- Reworked after v1.0.0: organizations without an owner are found with an anti-join, which Citus
-- can run (the v1.0.0 correlated NOT EXISTS over the reference table base.organizations failed
-- there). Same columns and rows; see base_integrity_checks@v1.0.0.sql for what the checks are.

begin;

set local lock_timeout = '5s';

create or replace view monitoring.base_integrity_checks as
with package_tables as (
  select c.oid, format('%I.%I', n.nspname, c.relname) as name, c.relrowsecurity
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
     and c.relkind in ('r', 'p') and not c.relispartition
),
ownerless as (
  -- An anti-join with the owners, not a correlated NOT EXISTS: Citus cannot run a correlated
  -- subquery over a reference table (base.organizations is one there); on one node it is the same anti-join.
  select o.id, o.slug
    from base.organizations as o
    left join (select distinct m.organization_id
                 from base.organization_members as m
                where m.role = 'owner') as owned
      on owned.organization_id = o.id
   where owned.organization_id is null
),
no_rls as (
  select t.name from package_tables as t where not t.relrowsecurity
),
disabled_triggers as (
  select t.name, count(*) as triggers, string_agg(tg.tgname, ', ' order by tg.tgname) as names
    from package_tables as t
    join pg_catalog.pg_trigger as tg on tg.tgrelid = t.oid
   where not tg.tgisinternal and tg.tgenabled = 'D'
   group by t.name
),
unvalidated as (
  select format('%s.%I', k.conrelid::regclass, k.conname) as name, k.conrelid::regclass::text as table_name,
         k.conname, k.contype
    from pg_catalog.pg_constraint as k
    join pg_catalog.pg_class as c on c.oid = k.conrelid
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where not k.convalidated
     and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_temp%'
),
findings as (
  select 'integrity' as category, 'organization_without_owner' as check_name, 'base.organizations' as object_name,
         monitoring.classify('organization_without_owner', count(*)) as severity, count(*)::numeric as value,
         case when count(*) = 0 then 'every organization has an owner'
              else format('%s organization(s) without an owner: %s', count(*),
                          string_agg(o.slug, ', ' order by o.slug) filter (where o.slug is not null)) end as details,
         'Give each one an owner: insert into base.organization_members (organization_id, user_id, role) values (..., ..., ''owner''); (as service_role) or delete the abandoned organization.' as action
    from ownerless as o
  union all
  select 'security', 'rls_disabled', r.name, monitoring.classify('rls_disabled', 1), 1,
         format('%s has row-level security disabled: every role with a grant reads every tenant''s rows', r.name),
         format('alter table %s enable row level security;', r.name)
    from no_rls as r
  union all
  select 'security', 'rls_disabled', 'package tables', 'ok', 0, 'row-level security is enabled on every package table', ''
   where not exists (select from no_rls)
  union all
  select 'integrity', 'disabled_trigger', d.name, monitoring.classify('disabled_trigger', d.triggers), d.triggers,
         format('%s has %s disabled trigger(s): %s', d.name, d.triggers, d.names),
         format('alter table %s enable trigger user; and repair the rows changed while they were off.', d.name)
    from disabled_triggers as d
  union all
  select 'integrity', 'disabled_trigger', 'package tables', 'ok', 0, 'every trigger of the package tables is enabled', ''
   where not exists (select from disabled_triggers)
  union all
  select 'integrity', 'unvalidated_constraint', u.name, monitoring.classify('unvalidated_constraint', 1), 1,
         format('%s constraint %I on %s is NOT VALID: rows older than it were never checked',
                case u.contype when 'f' then 'foreign key' when 'c' then 'check' else 'the' end, u.conname, u.table_name),
         format('alter table %s validate constraint %I; (takes only a SHARE UPDATE EXCLUSIVE lock)', u.table_name, u.conname)
    from unvalidated as u
  union all
  select 'integrity', 'unvalidated_constraint', 'all tables', 'ok', 0, 'every constraint is validated', ''
   where not exists (select from unvalidated)
)
select f.category, f.check_name, f.object_name, f.severity, f.value, f.details,
       case when f.severity = 'ok' then 'No action needed.' else f.action end as recommended_action
  from findings as f;

comment on view monitoring.base_integrity_checks is
  'Invariants of the base module and of every package table that constraints cannot hold: organizations without an owner, tables with RLS off, disabled triggers, NOT VALID constraints. One row per offender, or one ok row per check.';

commit;
