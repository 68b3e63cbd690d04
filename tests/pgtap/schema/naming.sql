-- Naming conventions (docs/conventions.md, "Naming"), found in the catalog: every policy, trigger,
-- trigger function, constraint and index of the package, including those a later change adds.
-- Each assertion lists the offenders, so a failure names what to rename.
begin;
select plan(6);

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
