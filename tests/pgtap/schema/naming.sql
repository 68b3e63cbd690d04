-- Naming conventions (docs/conventions.md, "Naming"), found in the catalog: every policy, trigger,
-- trigger function, constraint and index of the package, including those a later change adds.
-- Each assertion lists the offenders, so a failure names what to rename.
begin;
select plan(10);

create temporary view package_schemas as
select n.oid, n.nspname
  from pg_catalog.pg_namespace as n
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring');

-- Tables and views of the package, partitions excluded (their objects are clones of the parent's).
create temporary view package_relations as
select c.oid, c.oid::regclass::text as name
  from pg_catalog.pg_class as c
  join package_schemas as s on s.oid = c.relnamespace
 where c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition;

select is_empty(
  $$select r.name || ': ' || p.polname
      from pg_catalog.pg_policy as p join package_relations as r on r.oid = p.polrelid
     where p.polname !~ '^(select|insert|update|delete|all)_[a-z][a-z0-9_]*$'
        or pg_catalog.split_part(p.polname, '_', 1) <> case p.polcmd when 'r' then 'select' when 'a' then 'insert'
                                                     when 'w' then 'update' when 'd' then 'delete' else 'all' end$$,
  'every policy is named <command>_<scope>, and the command in its name is the command it covers');

select is_empty(
  $$select r.name || ': ' || p.polname
      from pg_catalog.pg_policy as p join package_relations as r on r.oid = p.polrelid
     where pg_catalog.obj_description(p.oid, 'pg_policy') is null$$,
  'every policy has a comment');

-- Policy names say who may run the command: <command>_<who>, where <who> is
--   * the lowest organization role the policy admits (viewer < member < admin < owner), or
--   * for a policy open to a whole database role (using / with check true), that role
--     (all_service_role, select_platform_monitor, select_authenticated), or
--   * `self`, the caller's own row;
-- `<role>_self` admits only the caller's own rows, and alternatives follow `_or_`: a role, `self`,
-- `lead` (a member leading the project), `invitee` (the invited address), `colleague` (a user
-- sharing an organization). Checked against each policy's expression (pg_policy), in its plain form
-- and in the Citus form citus/distribute gives it (internal.citus_has_organization_role(..., 'role'),
-- internal.citus_is_colleague).
create temporary view policy_scopes as
select r.name || ': ' || p.polname as policy, p.polname, p.polroles,
       pg_catalog.regexp_replace(p.polname, '^(select|insert|update|delete|all)_', '') as scope,
       pg_catalog.regexp_split_to_array(pg_catalog.regexp_replace(p.polname, '^(select|insert|update|delete|all)_', ''),
                                        '_or_|_(?=self$)') as words,
       pg_catalog.concat_ws(' ', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                            pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) as expr
  from pg_catalog.pg_policy as p join package_relations as r on r.oid = p.polrelid;

select is_empty(
  $$select s.policy from policy_scopes as s
     where s.scope not in ('service_role', 'platform_monitor', 'authenticated')
       and not s.words <@ array['viewer', 'member', 'admin', 'owner', 'self', 'lead', 'invitee', 'colleague']
        or s.scope !~ '^(viewer|member|admin|owner|self|service_role|platform_monitor|authenticated)(_self)?(_or_[a-z]+)*$'$$,
  'every policy scope is a role (viewer, member, admin, owner), a database role, or self, then _self or _or_ alternatives (lead, invitee, colleague, self, a role)');

select is_empty(
  $$select s.policy || ' (' || s.expr || ')' from policy_scopes as s
     where (s.expr ~ '^(true ?)+$')
           <> (s.scope in ('service_role', 'platform_monitor', 'authenticated')
               and s.polroles = array[(select oid from pg_catalog.pg_roles where rolname = s.scope)])$$,
  'a policy open to a whole database role (true) is named after that role, and only such a policy is');

select is_empty(
  $$select s.policy || ' admits ' || coalesce(e.lowest::text, 'no organization role')
      from policy_scopes as s
      cross join lateral (
        select pg_catalog.min(m.role::base.organization_role) as lowest
          from (select x[1] as role
                  from pg_catalog.regexp_matches(s.expr, '''(viewer|member|admin|owner)''::base\.organization_role', 'g') as x
                union all
                select 'viewer' where s.expr ~ 'citus_is_colleague') as m) as e
      cross join lateral (
        select pg_catalog.min(case w when 'lead' then 'member' when 'colleague' then 'viewer' else w end::base.organization_role) as lowest
          from pg_catalog.unnest(s.words) as w
         where w in ('viewer', 'member', 'admin', 'owner', 'lead', 'colleague')) as n
     where e.lowest is distinct from n.lowest$$,
  'the lowest organization role in a policy''s name (lead counting as member, colleague as viewer) is the lowest role its expression admits');

select is_empty(
  $$select s.policy || ' (' || s.expr || ')' from policy_scopes as s
     where ('self' = any (s.words)) <> (s.expr ~ 'base\.current_user_id\(\)')
        or ('lead' = any (s.words)) <> (s.expr ~ 'internal\.led_project_ids\(\)')
        or ('invitee' = any (s.words)) <> (s.expr ~ 'base\.current_user_email\(\)')
        or ('colleague' = any (s.words)) <> (s.expr ~ 'base\.organization_members|internal\.citus_is_colleague')$$,
  'self, lead, invitee and colleague are in a policy''s name exactly when its expression asks for the current user, the projects they lead, their email or their colleagues');

select is_empty(
  $$select r.name || ': ' || t.tgname
      from pg_catalog.pg_trigger as t join package_relations as r on r.oid = t.tgrelid
     where not t.tgisinternal and t.tgname !~ '^_[0-9]{3}_[a-z0-9_]+$'$$,
  'every trigger is named _NNN_<task>, the number giving its firing order');

select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p join package_schemas as s on s.oid = p.pronamespace
     where p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype and p.proname !~ '^tg_'$$,
  'every trigger function is named tg_<table>__<task>');

select is_empty(
  $$select r.name || ': ' || k.conname
      from pg_catalog.pg_constraint as k join package_relations as r on r.oid = k.conrelid
     where k.contype <> 't'
       and k.conname !~ case k.contype when 'n' then '_not_null$' else '_(pkey|fkey|key|check|excl)$' end$$,
  'every constraint is named with PostgreSQL''s suffix for its kind (_pkey, _fkey, _key, _check, _excl; _not_null for the NOT NULL constraints PostgreSQL 18 catalogs)');

select is_empty(
  $$select r.name || ': ' || c.relname
      from pg_catalog.pg_index as i
      join pg_catalog.pg_class as c on c.oid = i.indexrelid
      join package_relations as r on r.oid = i.indrelid
     where c.relname !~ '_(pkey|key|idx|excl|brin)$'$$,
  'every index is named <table>_<cols>_idx (_key when unique, _brin for a BRIN index)');

select * from finish();
rollback;
