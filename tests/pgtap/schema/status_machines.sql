-- Status machines (docs/conventions.md, "Status machines"), found in the catalog: every status
-- column of every table of the package has its transitions as rows of base.status_transitions and
-- the one trigger shape; every state its CHECK allows is in the data; and, for every machine, every
-- (from, to) pair of its states is walked: the pairs in the data pass the trigger, the others raise
-- 55000 with the one message. Each assertion lists the offenders.
--
-- A status column is one named status or *_status. Not machines, because they never change:
--   * columns of append-only tables (base.enable_append_only: histories of a machine, task_history);
--   * monitoring.maintenance_runs.status: the outcome of one run, written once by run_maintenance();
--   * events.deployment_events.status: a field copied from an event's payload, free text;
--   * base.status_transitions.from_status and to_status: the machines themselves.
-- tasks.tasks fires the trigger AFTER the update (the queue has no BEFORE ROW trigger: PostgreSQL
-- re-reads and locks the old row for any, which would cost every claim), and its WHEN clause also
-- lists the machine's rows as 'from>to' so that a legal change runs no function; the shape
-- assertion holds that list equal to the data. Every other machine fires it BEFORE.
begin;
select plan(11);

create temporary view status_columns as
select c.oid as relid, n.nspname, c.relname, a.attname,
       pg_catalog.format('%s.%s.%s', n.nspname, c.relname, a.attname) as machine
  from pg_catalog.pg_attribute as a
  join pg_catalog.pg_class as c on c.oid = a.attrelid
  join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
   and c.relkind in ('r', 'p') and not c.relispartition
   and a.attnum > 0 and not a.attisdropped
   and (a.attname = 'status' or a.attname like '%\_status');

create temporary view machine_columns as
select s.*
  from status_columns as s
 where not exists (select from pg_catalog.pg_trigger as t
                    where t.tgrelid = s.relid and t.tgname = '_000_append_only')
   and s.machine not in ('monitoring.maintenance_runs.status', 'events.deployment_events.status',
                         'base.status_transitions.from_status', 'base.status_transitions.to_status');

-- The states a column's CHECK lists: (col = ANY (ARRAY['a'::text, ...])).
create temporary view check_states as
select m.machine, pg_catalog.unnest(pg_catalog.regexp_matches(
         pg_catalog.substring(pg_catalog.pg_get_constraintdef(k.oid),
                              '\(' || m.attname || ' = ANY \(ARRAY\[([^]]*)\]'),
         '''([^'']*)''::text', 'g')) as state
  from machine_columns as m
  join pg_catalog.pg_constraint as k on k.conrelid = m.relid and k.contype = 'c'
 where pg_catalog.pg_get_constraintdef(k.oid) ~ ('^CHECK \(\(' || m.attname || ' = ANY \(ARRAY\[');

select ok((select count(*) from machine_columns) >= 8,
  'the catalog finds the package''s status machines (at least the eight of the five modules)');

select is_empty(
  $$select m.machine from machine_columns as m
     where not exists (select from base.status_transitions as t where t.machine = m.machine)$$,
  'every status column has its transitions in base.status_transitions');

select is_empty(
  $$select m.machine || ': ' || coalesce(string_agg(pg_catalog.pg_get_triggerdef(t.oid), '; '), 'no trigger')
      from machine_columns as m
      left join pg_catalog.pg_trigger as t
        on t.tgrelid = m.relid and not t.tgisinternal
       and t.tgfoid = 'internal.tg__check_status_transition()'::regprocedure
     group by m.machine, m.relid, m.nspname, m.relname, m.attname
    having count(t.oid) <> 1
        or max(pg_catalog.pg_get_triggerdef(t.oid))
           <> case when m.machine = 'tasks.tasks.status' then
                pg_catalog.format('CREATE TRIGGER _000_check_status_transition AFTER UPDATE OF %1$I ON %2$I.%3$I FOR EACH ROW WHEN (((old.%1$I IS DISTINCT FROM new.%1$I) AND (((old.%1$I || ''>''::text) || new.%1$I) <> ALL (%4$L::text[])))) EXECUTE FUNCTION internal.tg__check_status_transition(%5$L, %6$L)',
                                  m.attname, m.nspname, m.relname,
                                  (select array_agg(t.from_status || '>' || t.to_status order by t.from_status, t.to_status)
                                     from base.status_transitions as t where t.machine = m.machine)::text,
                                  m.machine, m.attname)
              else
                pg_catalog.format('CREATE TRIGGER _000_check_status_transition BEFORE UPDATE OF %1$I ON %2$I.%3$I FOR EACH ROW WHEN ((old.%1$I IS DISTINCT FROM new.%1$I)) EXECUTE FUNCTION internal.tg__check_status_transition(%4$L, %5$L)',
                                  m.attname, m.nspname, m.relname, m.machine, m.attname)
              end$$,
  'every status column has exactly one transition trigger, of the one shape (tasks.tasks: AFTER, with the data''s pairs in WHEN), with its machine and column as arguments');

select is_empty(
  $$select distinct t.machine from base.status_transitions as t
     where t.machine not in (select m.machine from machine_columns as m)$$,
  'every machine in base.status_transitions governs a status column that exists');

select is_empty(
  $$select c.machine || ': ' || c.state from check_states as c
     where not exists (select from base.status_transitions as t
                        where t.machine = c.machine and c.state in (t.from_status, t.to_status))$$,
  'every state a status column''s CHECK allows is a state of its machine');

select is_empty(
  $$select distinct t.machine || ': ' || s.state
      from base.status_transitions as t
      cross join lateral (values (t.from_status), (t.to_status)) as s (state)
     where exists (select from check_states as c where c.machine = t.machine)
       and not exists (select from check_states as c where c.machine = t.machine and c.state = s.state)$$,
  'every state of a machine is one its column''s CHECK allows');

select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p
      join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
       and (p.proname ~ '^allowed_.*_transitions$'
            or (p.proname ~ 'check_status_transition' and p.oid <> 'internal.tg__check_status_transition()'::regprocedure))$$,
  'no other idiom is left: no allowed_*_transitions() function, no other status-transition trigger function');

select is(
  (select array[p.prosecdef::text, p.provolatile::text, pg_catalog.array_to_string(p.proconfig, ',')]
     from pg_catalog.pg_proc as p where p.oid = 'internal.tg__check_status_transition()'::regprocedure),
  array['false', 'v', 'search_path=pg_catalog, pg_temp'],
  'the transition trigger function is SECURITY INVOKER, volatile, with a pinned search_path');

select is(
  (select array[c.relrowsecurity::text,
                pg_catalog.has_table_privilege('authenticated', c.oid, 'select')::text,
                pg_catalog.has_table_privilege('service_role', c.oid, 'select')::text,
                pg_catalog.has_table_privilege('authenticated', c.oid, 'insert,update,delete,truncate')::text,
                pg_catalog.has_table_privilege('service_role', c.oid, 'insert,update,delete,truncate')::text,
                pg_catalog.has_table_privilege('anon', c.oid, 'select')::text]
     from pg_catalog.pg_class as c where c.oid = 'base.status_transitions'::regclass),
  array['true', 'true', 'true', 'false', 'false', 'false'],
  'base.status_transitions has RLS, is readable by authenticated and service_role, writable by no API role, hidden from anon');

-- The walk. Every machine gets a scratch table with its status column and the machine's real
-- trigger, re-created from pg_get_triggerdef on the scratch table (same timing, WHEN clause,
-- function and arguments), one row per state; then every ordered pair of distinct states is tried
-- in a subtransaction. A real table's row cannot be put in an arbitrary state here (insert rules,
-- and CHECKs that tie other columns to the status): the trigger, which is what decides, is the
-- same one, and the assertion above holds every real table to that exact definition.
create temporary table walk_results (machine text, from_status text, to_status text, allowed boolean,
                                     outcome text);

do $walk$
declare
  v_m record;
  v_from text;
  v_to text;
  v_allowed boolean;
  v_targets text;
  v_def text;
  v_state text;
  v_detail text;
  v_msg text;
  v_code text;
  v_outcome text;
begin
  for v_m in
    select m.machine, m.attname, t.oid as tgoid, row_number() over (order by m.machine) as n
      from machine_columns as m
      join pg_catalog.pg_trigger as t
        on t.tgrelid = m.relid and t.tgname = '_000_check_status_transition'
  loop
    execute pg_catalog.format('create temporary table walk_%s (id int, %I text)', v_m.n, v_m.attname);
    v_def := pg_catalog.regexp_replace(pg_catalog.pg_get_triggerdef(v_m.tgoid),
                                       ' ON [^ ]+ FOR EACH ROW ', pg_catalog.format(' ON pg_temp.walk_%s FOR EACH ROW ', v_m.n));
    execute v_def;
    for v_state in
      select s.state from base.status_transitions as t
        cross join lateral (values (t.from_status), (t.to_status)) as s (state)
       where t.machine = v_m.machine
      union select c.state from check_states as c where c.machine = v_m.machine
    loop
      for v_to in
        select s.state from base.status_transitions as t
          cross join lateral (values (t.from_status), (t.to_status)) as s (state)
         where t.machine = v_m.machine
        union select c.state from check_states as c where c.machine = v_m.machine
      loop
        continue when v_to = v_state;
        v_from := v_state;
        v_allowed := exists (select from base.status_transitions as t
                              where t.machine = v_m.machine and t.from_status = v_from and t.to_status = v_to);
        select string_agg(t.to_status, ', ' order by t.to_status) into v_targets
          from base.status_transitions as t where t.machine = v_m.machine and t.from_status = v_from;
        begin
          execute pg_catalog.format('insert into pg_temp.walk_%s values (1, %L)', v_m.n, v_from);
          execute pg_catalog.format('update pg_temp.walk_%s set %I = %L', v_m.n, v_m.attname, v_to);
          raise exception using errcode = 'P0004', message = 'walk: undo';
        exception
          when sqlstate 'P0004' then
            v_outcome := case when v_allowed then 'ok' else 'not refused' end;
          when others then
            get stacked diagnostics v_code = returned_sqlstate, v_msg = message_text, v_detail = pg_exception_detail;
            v_outcome := case when not v_allowed and v_code = '55000'
                                   and v_msg = pg_catalog.format('invalid status transition for %s: "%s" -> "%s"', v_m.machine, v_from, v_to)
                                   and v_detail = pg_catalog.format('allowed from "%s": %s', v_from, coalesce(v_targets, 'none (final state)'))
                              then 'ok'
                              else pg_catalog.format('%s %s (%s)', v_code, v_msg, v_detail) end;
        end;
        insert into walk_results values (v_m.machine, v_from, v_to, v_allowed, v_outcome);
      end loop;
    end loop;
  end loop;
end
$walk$;

select is(
  (select count(*)::int from walk_results),
  (select sum(n * (n - 1))::int
     from (select count(distinct s.state) as n
             from base.status_transitions as t
             cross join lateral (values (t.from_status), (t.to_status)) as s (state)
            group by t.machine) as k),
  'the walk tried every ordered pair of distinct states of every machine');

select is_empty(
  $$select machine || ': "' || from_status || '" -> "' || to_status || '" '
           || case when allowed then 'allowed' else 'not allowed' end || ': ' || outcome
      from walk_results where outcome <> 'ok'$$,
  'every transition in the data passes, every other one raises 55000 invalid status transition for <machine> with the allowed targets in DETAIL');

select * from finish();
rollback;
