-- One parameter naming rule (docs/conventions.md, "Naming"), found in the catalog for every function
-- of the package, including those a later change adds:
--   * the exposed schemas (base, projects, tasks, analytics, prompts, events) are the API: callers
--     use named notation and PostgREST sends the parameters as JSON keys, so their input parameters
--     are bare nouns, named, never p_;
--   * internal and monitoring are implementation and DBA helpers: their input parameters are p_
--     names, apart from the column names their bodies query;
--   * OUT and TABLE columns are results, not parameters: no prefix anywhere.
-- Each assertion lists the offenders, so a failure names what to rename.
begin;
select plan(3);

create temporary view package_parameters as
select p.oid::regprocedure::text as function_name, n.nspname,
       n.nspname in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events') as is_exposed,
       a.name, a.mode, l.lanname
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
  join pg_catalog.pg_language as l on l.oid = p.prolang
 cross join lateral unnest(
         coalesce(p.proallargtypes, p.proargtypes::oid[]),
         coalesce(p.proargmodes, pg_catalog.array_fill('i'::"char", array[p.pronargs::integer])),
         coalesce(p.proargnames, pg_catalog.array_fill(''::text, array[p.pronargs::integer]))) as a(type, mode, name)
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
   and not exists (select from pg_catalog.pg_depend as d
                    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e');

create temporary view offenders as
select distinct pp.function_name, pp.name
  from package_parameters as pp
 where pp.mode in ('i', 'b', 'v')
   and case when pp.is_exposed then pp.name ~ '^p_' or pp.name = '' else pp.name !~ '^p_' end;

select is_empty(
  $$select o.function_name || ': ' || o.name from offenders as o
     order by 1$$,
  'every input parameter of a function of base, projects, tasks, analytics, prompts and events is a bare, named noun; of internal and monitoring a p_ name');

select is_empty(
  $$select pp.function_name || ': ' || pp.name from package_parameters as pp
     where pp.mode in ('o', 't') and pp.name ~ '^p_'
     order by 1$$,
  'no OUT or TABLE column is p_-prefixed (they are result columns)');

-- In a LANGUAGE sql body a column silently wins over a parameter of the same name, so
-- `where m.organization_id = organization_id` compares the column with itself. A bare parameter
-- of an exposed SQL function is therefore referenced as function_name.parameter (or $n), never
-- alone: any unqualified use of its name (string literals and comments aside) is listed.
select is_empty(
  $$select pp.function_name || ': ' || pp.name
      from package_parameters as pp
      join pg_catalog.pg_proc as p on p.oid = pp.function_name::regprocedure
     where pp.is_exposed and pp.lanname = 'sql' and pp.mode in ('i', 'b', 'v') and pp.name <> ''
       and pg_catalog.regexp_replace(pg_catalog.regexp_replace(p.prosrc, '''([^'']|'''')*''', '''''', 'g'),
                                     '--[^\n]*', '', 'g')
           ~ ('(^|[^.[:alnum:]_])' || pp.name || '($|[^[:alnum:]_])')
     order by 1$$,
  'exposed SQL functions reference their parameters qualified by the function name, never bare');

select * from finish();
rollback;
