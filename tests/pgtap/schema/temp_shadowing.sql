-- Schema-wide rule: no caller can make package code run their code with the owner's rights by
-- planting objects in their own temporary schema (hardening issue, item 1).
--
-- PostgreSQL searches the session's temporary schema for relation and type names FIRST unless
-- the search_path names pg_temp explicitly (a definer function with search_path = '' still finds
-- a temporary domain called "uuid" before pg_catalog.uuid). With search_path = pg_catalog, pg_temp
-- pg_catalog comes first and pg_temp last, and functions and operators are never looked up in
-- pg_temp at all: that is the path the PostgreSQL documentation gives for SECURITY DEFINER.
--
-- The test finds its targets in the catalog: every SECURITY DEFINER function of the package is
-- called as every API role that may execute it, with sample arguments of its own argument types
-- (and once with NULLs), after that role planted, in pg_temp, a domain shadowing every type name
-- the package uses, a table shadowing every relation name, a function shadowing every function
-- name and operators shadowing the common ones. Every planted object calls pg_temp.pwn(), which
-- records current_user; the package owner must never appear there. Then a workload that fires
-- every kind of definer trigger (audit, status history, membership guards) runs the same way.
begin;
select plan(8);

create temporary view package_schemas as
select n.oid, n.nspname
  from pg_catalog.pg_namespace as n
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring');

create temporary view package_functions as
select p.oid, p.oid::regprocedure::text as name, p.prosecdef, p.proconfig, p.prorettype
  from pg_catalog.pg_proc as p
  join package_schemas as s on s.oid = p.pronamespace
 where not exists (select from pg_catalog.pg_depend as d where d.objid = p.oid and d.deptype = 'e');

-- 1. Structure: the documented safe path on every function that pins one, and on every definer.
select is(
  (select array_agg(name order by name) from package_functions
    where prosecdef and not coalesce(proconfig @> array['search_path=pg_catalog, pg_temp'], false)),
  null,
  'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');

select is(
  (select array_agg(f.name order by f.name) from package_functions as f, unnest(f.proconfig) as c
    where c like 'search_path=%' and c <> 'search_path=pg_catalog, pg_temp'),
  null,
  'no package function pins a search_path that searches pg_temp first (or at all before pg_catalog)');

-- 2. The calls to make, built before anything is planted (the names below are all qualified).
--    A sample value per argument type; a type without a sample gets NULL.
create temporary table shadow_calls (role text, sql text);
create function pg_temp.sample(p_type regtype) returns text language sql stable as $$
  select case
    when t.typcategory = 'A' then format('%L::%s', '{}', p_type::text)
    when t.typtype = 'e' then format('%L::%s', (select e.enumlabel from pg_catalog.pg_enum as e
                                                  where e.enumtypid = t.oid order by e.enumsortorder limit 1), p_type::text)
    when p_type = 'pg_catalog.uuid'::regtype then quote_literal(current_setting('shadow.org')) || '::pg_catalog.uuid'
    when p_type in ('pg_catalog.text'::regtype, 'pg_catalog.varchar'::regtype, 'pg_catalog.name'::regtype)
      then '''review''::' || p_type::text
    when p_type in ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype,
                    'pg_catalog.numeric'::regtype, 'pg_catalog.float8'::regtype) then '1::' || p_type::text
    when p_type = 'pg_catalog.bool'::regtype then 'false'
    when p_type in ('pg_catalog.jsonb'::regtype, 'pg_catalog.json'::regtype) then '''{}''::' || p_type::text
    when p_type = 'pg_catalog.timestamptz'::regtype then 'pg_catalog.now()'
    when p_type = 'pg_catalog.interval'::regtype then '''1 hour''::pg_catalog.interval'
    when p_type = 'pg_catalog.regclass'::regtype then '''base.audit_log''::pg_catalog.regclass'
    else 'null::' || p_type::text
  end
  from pg_catalog.pg_type as t where t.oid = p_type
$$;

select organization_id as org, admin_id as admin, member_id as member from tests.create_tenant('shadow-a') \gset
select set_config('shadow.org', :'org', false);

insert into shadow_calls (role, sql)
select r.rolname,
       format('select %s(%s)', p.oid::regproc::text,
              coalesce((select string_agg(case when v.nulls then 'null::' || a.t::regtype::text
                                               else pg_temp.sample(a.t) end, ', ' order by a.n)
                          from unnest(p.proargtypes::oid[]) with ordinality as a (t, n)), ''))
  from pg_catalog.pg_proc as p
  join package_schemas as s on s.oid = p.pronamespace
  cross join (values ('anon'), ('authenticated'), ('service_role')) as r (rolname)
  cross join (values (false), (true)) as v (nulls)
 where p.prosecdef
   and p.prokind = 'f'
   and p.prorettype <> 'pg_catalog.trigger'::regtype
   and has_function_privilege(r.rolname, p.oid, 'execute');

select cmp_ok((select count(distinct sql) from shadow_calls), '>=', 10::bigint,
              'the catalog gives at least ten definer entry points to call');
grant select on shadow_calls, package_schemas, package_functions to public;

-- From here on the attacker (a member, then other API roles) acts; nothing of pgTAP runs until
-- the planted objects are gone again, because pgTAP's own functions pin no search_path.
select tests.authenticate_as(:'member');

-- 3. The trap: pwn() notes who runs it, in a setting every role may write.
create function pg_temp.pwn(v anyelement) returns boolean language plpgsql as $$
declare c pg_catalog.text;
begin
  get diagnostics c = pg_context;
  -- Where the owner ran it, say from where: the test output then names the function to fix.
  if current_user = (select pg_catalog.pg_get_userbyid(n.nspowner) from pg_catalog.pg_namespace as n
                      where n.nspname = 'base') then
    raise warning 'planted code ran as the owner: %', c;
  end if;
  perform pg_catalog.set_config('shadow.ran_as',
            pg_catalog.concat_ws(' ', pg_catalog.current_setting('shadow.ran_as', true), current_user), false);
  return true;
end
$$;
create function pg_temp.pwn_trigger() returns trigger language plpgsql as $$
begin perform pg_temp.pwn(1); return null; end
$$;
-- The tests.* identity helpers pin no search_path, so from here on identity changes go through
-- this one, whose every type is qualified.
create function pg_temp.become(p_role pg_catalog.text, p_sub pg_catalog.text) returns void language plpgsql as $$
begin
  perform pg_catalog.set_config('role', 'none', true);
  perform pg_catalog.set_config('request.jwt.claims',
            pg_catalog.jsonb_build_object('sub', p_sub, 'role', p_role)::pg_catalog.text, true);
  perform pg_catalog.set_config('role', p_role, true);
end
$$;
create function pg_temp.plant() returns integer language plpgsql as $plant$
declare
  v_name text;
  v_count integer := 0;
begin
  -- Domains shadowing every base type name the package's columns and functions use.
  for v_name in
    select distinct t.typname
      from pg_catalog.pg_type as t
     where t.typnamespace = 'pg_catalog'::regnamespace
       and t.typtype = 'b' and t.typcategory <> 'A' and t.typname !~ '^(reg|pg_|oid|xid|cid|tid|int2vector|oidvector|aclitem|refcursor)'
       and (t.oid in (select a.atttypid from pg_catalog.pg_attribute as a
                        join pg_catalog.pg_class as c on c.oid = a.attrelid
                        join package_schemas as s on s.oid = c.relnamespace
                       where a.attnum > 0)
            or t.oid in (select unnest(p.proargtypes::oid[] || p.prorettype) from pg_catalog.pg_proc as p
                           join package_schemas as s on s.oid = p.pronamespace)
            or t.typname in ('int4', 'int8', 'text', 'uuid', 'bool', 'jsonb', 'timestamptz', 'interval', 'numeric'))
  loop
    execute format('create domain pg_temp.%I as pg_catalog.%I check (pg_temp.pwn(value))', v_name, v_name);
    v_count := v_count + 1;
  end loop;
  -- The SQL spellings that are not the catalog names.
  foreach v_name in array array['integer', 'bigint', 'smallint', 'boolean', 'timestamp', 'varchar', 'decimal', 'real'] loop
    if not exists (select from pg_catalog.pg_type where typname = v_name and typnamespace = pg_catalog.pg_my_temp_schema()) then
      execute format('create domain pg_temp.%I as pg_catalog.int4 check (pg_temp.pwn(value))', v_name);
      v_count := v_count + 1;
    end if;
  end loop;
  -- Tables shadowing every relation name of the package, each with a trigger that calls pwn().
  for v_name in
    select distinct c.relname from pg_catalog.pg_class as c join package_schemas as s on s.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'v', 'm', 'S') and not c.relispartition
       and not exists (select from pg_catalog.pg_type where typname = c.relname and typnamespace = pg_catalog.pg_my_temp_schema())
  loop
    execute format('create table pg_temp.%I (id pg_catalog.uuid, organization_id pg_catalog.uuid)', v_name);
    execute format('create trigger pwn after insert or update or delete on pg_temp.%I for each statement execute function pg_temp.pwn_trigger()', v_name);
    execute format('insert into pg_temp.%I values (null, null)', v_name);
    v_count := v_count + 1;
  end loop;
  -- Functions shadowing every function name of the package and of pg_catalog that the package calls.
  for v_name in
    select distinct p.proname from pg_catalog.pg_proc as p join package_schemas as s on s.oid = p.pronamespace
    union
    select unnest(array['now', 'current_setting', 'set_config', 'coalesce', 'jsonb_build_object', 'format',
                        'length', 'char_length', 'lower', 'gen_random_uuid', 'to_jsonb', 'array_agg', 'count'])
  loop
    execute format('create function pg_temp.%I() returns boolean language sql as %L', v_name, 'select pg_temp.pwn(1)');
    v_count := v_count + 1;
  end loop;
  -- Operators shadowing the common ones on the package's key types.
  create function pg_temp.pwn_op(a pg_catalog.uuid, b pg_catalog.uuid) returns boolean language sql as 'select pg_temp.pwn(a)';
  create function pg_temp.pwn_op(a pg_catalog.text, b pg_catalog.text) returns boolean language sql as 'select pg_temp.pwn(a)';
  foreach v_name in array array['=', '<>', '<', '>', '<=', '>=', '@>', '<@', '&&'] loop
    execute format('create operator pg_temp.%s (leftarg = pg_catalog.uuid, rightarg = pg_catalog.uuid, function = pg_temp.pwn_op)', v_name);
    execute format('create operator pg_temp.%s (leftarg = pg_catalog.text, rightarg = pg_catalog.text, function = pg_temp.pwn_op)', v_name);
    v_count := v_count + 2;
  end loop;
  return v_count;
end
$plant$;

-- Each API role plants its own objects (a temporary schema belongs to the session, whatever the
-- role) and then calls every definer function it may execute, each call in its own subtransaction.
create function pg_temp.call_all(p_role text) returns integer language plpgsql as $$
declare
  v_sql   text;
  v_calls integer := 0;
begin
  for v_sql in select distinct sql from shadow_calls where role = p_role order by 1 loop
    begin
      execute v_sql;
    exception when others then
      null;   -- a refusal is fine; what matters is whose code ran before it
    end;
    v_calls := v_calls + 1;
  end loop;
  return v_calls;
end
$$;

create function pg_temp.unplant() returns void language plpgsql as $$
declare r record;
begin
  for r in select format('drop %s %s cascade', k, n) as sql from (
      select 'operator' as k, o.oid::regoperator::text as n from pg_catalog.pg_operator as o
       where o.oprnamespace = pg_catalog.pg_my_temp_schema() and o.oprowner = current_user::regrole
      union all
      select 'table', 'pg_temp.' || quote_ident(c.relname) from pg_catalog.pg_class as c
       where c.relnamespace = pg_catalog.pg_my_temp_schema() and c.relkind = 'r'
         and c.relowner = current_user::regrole
      union all
      select 'domain', 'pg_temp.' || quote_ident(t.typname) from pg_catalog.pg_type as t
       where t.typnamespace = pg_catalog.pg_my_temp_schema() and t.typtype = 'd'
         and t.typowner = current_user::regrole
      union all
      select 'function', p.oid::regprocedure::text from pg_catalog.pg_proc as p
       where p.pronamespace = pg_catalog.pg_my_temp_schema()
         and p.proowner = current_user::regrole
         and p.proname not in ('pwn', 'unplant', 'pwn_trigger', 'become')) as x
  loop
    begin execute r.sql; exception when undefined_object or undefined_table or undefined_function then null; end;
  end loop;
end
$$;

select set_config('shadow.ran_as', '', false);
select pg_temp.plant() as planted \gset

select pg_temp.call_all('authenticated') as member_calls \gset
select pg_temp.become('authenticated', :'admin');
select pg_temp.call_all('authenticated');
select pg_temp.become('anon', null);
select pg_temp.call_all('anon') as anon_calls \gset
select pg_temp.become('service_role', null);
select pg_temp.call_all('service_role') as service_calls \gset
select current_setting('shadow.ran_as') as ran_as_calls \gset

-- The reproduction from the issue, and a workload that fires the definer triggers.
select set_config('shadow.ran_as', '', false);
select pg_temp.become('authenticated', :'member');
select count(*) from prompts.search_templates('review');
select pg_temp.become('authenticated', :'admin');
do $$
declare v_project uuid;
begin
  insert into projects.projects (organization_id, name, slug)
  values (current_setting('shadow.org')::pg_catalog.uuid, 'Shadow', 'shadow') returning id into v_project;
  update projects.projects set status = 'active' where id = v_project;
  update base.organizations set name = 'Shadow A renamed' where id = current_setting('shadow.org')::pg_catalog.uuid;
  update base.organization_members set role = 'viewer'
   where organization_id = current_setting('shadow.org')::pg_catalog.uuid and role = 'member';
exception when others then
  raise notice 'workload stopped early: % %', sqlstate, sqlerrm;
end
$$;
select current_setting('shadow.ran_as') as ran_as_workload \gset

-- Control: the same trap does fire for code that runs with pg_temp first.
select set_config('shadow.ran_as', '', false);
do $$ declare v uuid := null; begin perform v; end $$;
select current_setting('shadow.ran_as') as ran_as_control \gset

select pg_temp.become('authenticated', :'member');
select pg_temp.unplant();
select tests.clear_authentication();

select cmp_ok(:planted, '>', 100, 'planted shadowing domains, tables, functions and operators in pg_temp');
select cmp_ok(:member_calls + :anon_calls + :service_calls, '>=', 20,
              'called every definer entry point as a member, an admin, anon and service_role');
select is(
  (select array_agg(distinct r order by r) from unnest(string_to_array(:'ran_as_calls', ' ')) as r
    where r in (select p.proowner::regrole::text from pg_catalog.pg_proc as p join package_functions as f on f.oid = p.oid)),
  null,
  'no definer entry point, called as anon, a member, an admin or service_role, ran planted code as the owner');
select is(
  (select array_agg(distinct r order by r) from unnest(string_to_array(:'ran_as_workload', ' ')) as r
    where r in (select p.proowner::regrole::text from pg_catalog.pg_proc as p join package_functions as f on f.oid = p.oid)),
  null,
  'search_templates and the audit, status-history and membership triggers never run planted code as the owner');
select ok(:'ran_as_control' like '%authenticated%',
          'control: a block without a pinned path does pick up the planted uuid domain');

select * from finish();
rollback;
