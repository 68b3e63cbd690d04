-- Schema-wide rule: every value that can grow without limit has a limit (issue 10, hardening: one
-- tenant must not bloat shared tables with a 100 MB string). It finds, from the catalog, every
-- text, varchar, char, json, jsonb, bytea, xml and array column of every table of the package
-- (partitioned parents, not their partitions, which inherit the parent's CHECKs), and decides from
-- the table's and the column type's CHECKs whether its size is bounded. A column is bounded when a
-- validated CHECK of its table (or a CHECK of its domain, at any depth) has, as one of its
-- top-level AND terms:
--   length(c) / char_length(c) / octet_length(c) / pg_column_size(c) / cardinality(c)  <=, < or =  N
--   c = any (array['a', 'b', ...])     (a closed list of literals, e.g. a status)
--   c ~ '^...$'                        (an anchored pattern with no *, + or {n,} outside brackets,
--                                       and alternation only inside one group spanning the whole
--                                       pattern: it matches strings of bounded length only)
-- or when it has a declared length (varchar(n)), or when it is a foreign key column whose
-- referenced column is bounded that way (every column of the key NOT NULL, or a one-column key).
-- A term under OR or CASE is not read: such a column needs a reviewed exception.
--
-- Every other column must be a reviewed exception below, and the reason must be true:
--   check      bounded by the named CHECK, which the rule cannot read (a validating function,
--              a CASE): the constraint must exist on the table, be validated and cover the column;
--              its function's limit is probed at the end of this file;
--   generated  a stored generated column computed from bounded columns: nobody writes it;
--   writer     written only by the named functions (or the owner at deploy), which bound it:
--              neither authenticated nor anon may INSERT or UPDATE the column, and the functions
--              must exist. tasks.tasks is the main case: its design note (deploy/tasks/tasks.sql)
--              keeps CHECKs off the hot queue, so its writers check sizes (tests/pgtap/tasks/07_bounds.sql);
--   owner      configuration only the package owner writes (at deploy): no API role, service_role
--              included, may INSERT or UPDATE the column.
-- A new unbounded column fails the first assertion with its name; an exception that is no longer
-- needed fails the second.
begin;
select plan(12);

create temporary view package_schemas as
select n.oid, n.nspname
  from pg_catalog.pg_namespace as n
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring');

-- The top-level AND terms of a deparsed CHECK expression (pg_get_expr puts every boolean operation
-- in parentheses, so an AND outside parentheses and quotes belongs to the outermost expression).
create function pg_temp.conjuncts(p_expr text)
returns setof text
language plpgsql
immutable
as $$
declare
  v_expr   text := btrim(p_expr, E' \n\t');
  v_parts  text[] := '{}';
  v_depth  integer;
  v_quoted boolean;
  v_start  integer;
  v_pos    integer;
  v_char   text;
begin
  -- Remove parentheses that wrap the whole expression.
  loop
    exit when left(v_expr, 1) <> '(';
    v_depth := 0; v_quoted := false; v_pos := 0;
    while v_pos < length(v_expr) loop
      v_pos := v_pos + 1;
      v_char := substr(v_expr, v_pos, 1);
      if v_char = '''' then v_quoted := not v_quoted;
      elsif not v_quoted and v_char = '(' then v_depth := v_depth + 1;
      elsif not v_quoted and v_char = ')' then
        v_depth := v_depth - 1;
        exit when v_depth = 0;
      end if;
    end loop;
    exit when v_pos < length(v_expr);
    v_expr := btrim(substr(v_expr, 2, length(v_expr) - 2), E' \n\t');
  end loop;
  -- Split at every AND outside parentheses and string literals.
  v_depth := 0; v_quoted := false; v_start := 1; v_pos := 0;
  while v_pos < length(v_expr) loop
    v_pos := v_pos + 1;
    v_char := substr(v_expr, v_pos, 1);
    if v_char = '''' then v_quoted := not v_quoted;
    elsif not v_quoted and v_char = '(' then v_depth := v_depth + 1;
    elsif not v_quoted and v_char = ')' then v_depth := v_depth - 1;
    elsif not v_quoted and v_depth = 0 and substr(v_expr, v_pos, 5) ~ '^ AND\s$' then
      v_parts := v_parts || substr(v_expr, v_start, v_pos - v_start);
      v_start := v_pos + 5;
    end if;
  end loop;
  if cardinality(v_parts) = 0 then
    return next v_expr;
  else
    v_parts := v_parts || substr(v_expr, v_start);
    return query select c from unnest(v_parts) as p (part), pg_temp.conjuncts(p.part) as c;
  end if;
end
$$;

-- Does this anchored regular expression match strings of bounded length only? Conservative: no *,
-- + or {n,} outside bracket expressions, and | only inside one group spanning the pattern.
create function pg_temp.finite_regex(p_pattern text)
returns boolean
language sql
immutable
as $fn$
  select v.p !~ '[*+]|\{[0-9]*,\}'
     and (v.p !~ '\|' or v.p ~ '^\^\([^()]*\)\$$')
    from (select regexp_replace(p_pattern, '\[\^?\]?(\[:[a-z]+:\]|[^]])*\]', 'C', 'g') as p) as v
$fn$;

-- Does this top-level term bound the size of p_x (a column name as deparsed, or VALUE)?
create function pg_temp.bounds(p_term text, p_x text)
returns boolean
language sql
immutable
as $fn$
  select p_term ~ ('^(length|char_length|octet_length|pg_column_size|cardinality)\(\(?' || p_x
                   || '(\)::[a-z ]+)?\) (<=|<|=) [0-9]+$')
      or p_term ~ ('^' || p_x || ' = ANY \(ARRAY\[''[^'']*''::text(, ''[^'']*''::text)*\]\)$')
      or p_term ~ ('^' || p_x || ' = ''[^'']*''::text$')
      or (p_term ~ ('^' || p_x || ' ~ ''\^[^'']*\$''::text$')
          and pg_temp.finite_regex(substring(p_term from '''(.*)''')))
$fn$;

create temporary view sized_columns as
select c.oid as table_oid, c.oid::regclass::text as table_name, a.attnum, a.attname::text as column_name,
       a.atttypid, a.atttypmod, a.attnotnull, a.attgenerated
  from pg_catalog.pg_class as c
  join package_schemas as s on s.oid = c.relnamespace
  join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  join pg_catalog.pg_type as t
    on t.oid = coalesce(nullif((select d.typbasetype from pg_catalog.pg_type as d where d.oid = a.atttypid), 0), a.atttypid)
 where c.relkind in ('r', 'p') and not c.relispartition
   and (t.typname in ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'bytea', 'xml') or t.typcategory = 'A');

-- Bounded by a CHECK of the table, a CHECK of the column's domain, or a declared length.
create temporary view checked_columns as
select sc.table_oid, sc.attnum
  from sized_columns as sc
 where exists (select from pg_catalog.pg_constraint as k,
                           pg_temp.conjuncts(pg_catalog.pg_get_expr(k.conbin, k.conrelid)) as x (term)
                where k.conrelid = sc.table_oid and k.contype = 'c' and k.convalidated
                  and sc.attnum = any (k.conkey)
                  and pg_temp.bounds(x.term, quote_ident(sc.column_name)))
    or exists (with recursive domains (oid) as (
                 select sc.atttypid
                 union all
                 select t.typbasetype from pg_catalog.pg_type as t join domains as d on d.oid = t.oid
                  where t.typtype = 'd')
               select from domains as d
                 join pg_catalog.pg_constraint as k on k.contypid = d.oid and k.contype = 'c' and k.convalidated,
                      pg_temp.conjuncts(pg_catalog.pg_get_expr(k.conbin, 0)) as x (term)
                where pg_temp.bounds(x.term, 'VALUE'))
    or (sc.atttypid in ('varchar'::regtype, 'bpchar'::regtype) and sc.atttypmod > 0);

-- ... or a foreign key to such a column (a value must equal one that exists there).
create temporary view unbounded_columns as
select sc.table_name, sc.column_name
  from sized_columns as sc
 where not exists (select from checked_columns as cc where cc.table_oid = sc.table_oid and cc.attnum = sc.attnum)
   and not exists (
         select from pg_catalog.pg_constraint as k
           join unnest(k.conkey, k.confkey) as f (attnum, refnum) on f.attnum = sc.attnum
           join checked_columns as cc on cc.table_oid = k.confrelid and cc.attnum = f.refnum
          where k.conrelid = sc.table_oid and k.contype = 'f' and k.convalidated
            and (cardinality(k.conkey) = 1
                 or not exists (select from unnest(k.conkey) as o (attnum)
                                  join pg_catalog.pg_attribute as a on a.attrelid = k.conrelid and a.attnum = o.attnum
                                 where not a.attnotnull)));

create temporary table reviewed_exceptions (
  table_name  text   not null,
  column_name text   not null,
  kind        text   not null check (kind in ('check', 'generated', 'writer', 'owner')),
  bounded_by  text[],
  reason      text   not null check (length(reason) >= 20),
  primary key (table_name, column_name),
  check ((kind in ('generated', 'owner')) = (bounded_by is null))
);
insert into reviewed_exceptions (table_name, column_name, kind, bounded_by, reason) values
  -- Bounded by a CHECK the rule cannot read.
  ('analytics.analysis_runs', 'branch', 'check', '{analysis_runs_branch_check}',
   'projects.is_valid_branch_name(): a git branch name of 1 to 255 characters'),
  ('projects.repositories', 'default_branch', 'check', '{repositories_default_branch_check}',
   'projects.is_valid_branch_name(): a git branch name of 1 to 255 characters'),
  ('projects.repository_branches', 'name', 'check', '{repository_branches_name_check}',
   'projects.is_valid_branch_name(): a git branch name of 1 to 255 characters'),
  ('projects.projects', 'goals', 'check', '{projects_goals_check}',
   'projects.validate_goals(): at most 100 goals and 64 KiB (23514 otherwise)'),
  ('projects.repositories', 'analysis_config', 'check', '{repositories_analysis_config_check}',
   'projects.validate_analysis_config(): at most 64 KiB (23514 otherwise)'),
  ('events.event_subscriptions', 'target', 'check', '{event_subscriptions_target_check}',
   'CASE target_kind: a webhook URL of at most 2000 characters, else ^[a-z][a-z0-9_.:-]{0,99}$ (100 characters)'),
  ('prompts.prompt_executions', 'error_message', 'check', '{prompt_executions_error_message_check}',
   'CASE status: at most 4000 characters in every branch that allows a message, NULL otherwise'),
  -- Stored generated columns, computed from bounded columns.
  ('events.event_subscriptions', 'event_type_like', 'generated', null,
   'event_type_pattern (100 characters by its CHECK) with _ escaped as \_: at most 200 characters'),
  ('events.event_types', 'required_keys', 'generated', null,
   'the "required" array of payload_schema, which event_types_payload_schema_check bounds at 64 KiB'),
  ('projects.repositories', 'name', 'generated', null,
   'the last segment of full_name, which repositories_full_name_check bounds at 400 characters'),
  ('prompts.context_data', 'content_hash', 'generated', null,
   'prompts.utf8_sha256(content): a sha256 digest, 32 bytes'),
  -- Written only by functions (or the owner at deploy) that bound the value.
  ('analytics.metric_trends', 'metric_name', 'writer', '{analytics.refresh_metric_trends}',
   'copied from analytics.metrics.name, which metrics_name_check bounds at 128 characters'),
  ('base.audit_log', 'table_schema', 'writer', '{internal.write_audit_entries}',
   'TG_TABLE_SCHEMA of the audit trigger: an identifier of at most 63 bytes'),
  ('base.audit_log', 'table_name', 'writer', '{internal.write_audit_entries}',
   'TG_TABLE_NAME of the audit trigger: an identifier of at most 63 bytes'),
  ('base.audit_log', 'actor_role', 'writer', '{internal.write_audit_entries}',
   'the role setting or session_user: a role name of at most 63 bytes'),
  ('base.audit_log', 'changed_columns', 'writer', '{internal.write_audit_entries}',
   'the names of the audited table''s columns that changed: at most 1600 identifiers'),
  ('base.audit_log', 'old_data', 'writer', '{internal.write_audit_entries}',
   'to_jsonb() of a row of an audited table, every column of which this rule bounds'),
  ('base.audit_log', 'new_data', 'writer', '{internal.write_audit_entries}',
   'to_jsonb() of a row of an audited table, every column of which this rule bounds'),
  ('base.partition_config', 'parent_table', 'owner', null,
   'written by base.register_partitioned_table (owner only) from a regclass: schema.table, two identifiers of at most 63 bytes'),
  ('events.github_events', 'event_type', 'writer', '{events.ingest_event,events.fill_source_tables}',
   'copied from the event''s event_type, a known event type that events_event_type_check bounds at 100 characters'),
  ('events.linear_events', 'event_type', 'writer', '{events.ingest_event,events.fill_source_tables}',
   'copied from the event''s event_type, a known event type that events_event_type_check bounds at 100 characters'),
  ('events.slack_events', 'event_type', 'writer', '{events.ingest_event,events.fill_source_tables}',
   'copied from the event''s event_type, a known event type that events_event_type_check bounds at 100 characters'),
  ('events.deployment_events', 'event_type', 'writer', '{events.ingest_event,events.fill_source_tables}',
   'copied from the event''s event_type, a known event type that events_event_type_check bounds at 100 characters'),
  ('events.event_idempotency_keys', 'source', 'writer', '{events.ingest_event,events.ingest_events}',
   'the event''s source, a known source that events_source_check bounds at 50 characters'),
  ('monitoring.finding_sources', 'source_view', 'owner', null,
   'rows are inserted by the deploy scripts (module registration), naming a view of the package'),
  ('monitoring.maintenance_jobs', 'function_name', 'owner', null,
   'rows are inserted by the deploy scripts (module registration), naming a function of the package'),
  ('prompts.prompt_templates', 'active_template_text', 'writer', '{prompts.tg_prompt_template_versions__before_insert,prompts.tg_prompt_template_versions__immutable}',
   'a copy of the active version''s template_text, which prompt_template_versions_template_text_check bounds at 100000 characters'),
  ('tasks.tasks', 'idempotency_key', 'writer', '{tasks.enqueue_task}',
   'enqueue_task refuses a key outside 1 to 200 characters (22023) before writing; task_history and task_idempotency_keys check the same'),
  ('tasks.tasks', 'worker_id', 'writer', '{tasks.claim_tasks}',
   'claim_tasks refuses a worker_id outside 1 to 200 characters (22023); task_history checks the same'),
  ('tasks.tasks', 'last_error', 'writer', '{tasks.fail_task,tasks.recover_expired_leases}',
   'fail_task keeps the first 10000 characters of a worker''s error (documented cap); lease recovery writes a fixed message naming the worker (200 characters at most)'),
  ('tasks.tasks', 'cancellation_reason', 'writer', '{tasks.cancel_task,tasks.cancel_workflow}',
   'always NULL in the queue: cancel_task and cancel_workflow refuse a reason outside 1 to 10000 characters (22023) and move the task to task_history, whose CHECK bounds it'),
  ('tasks.tasks', 'queue_name', 'writer', '{tasks.enqueue_task,tasks.enqueue_tasks}',
   'copied from the definition''s queue_name, which task_definitions_queue_name_check bounds at 100 characters');

select ok((select count(*) from sized_columns) > 100
          and (select count(*) from sized_columns) > (select count(*) from unbounded_columns) * 3,
          'the rule finds the package''s text, JSON, binary and array columns and reads most of their bounds');

-- The reader of CHECK terms is itself tested: each of these must be read as stated.
select is(
  (select array_agg(format('%s -> %s', t.term, t.expected) order by t.term)
     from (values ('length(x) <= 10', true), ('(length(x) >= 1) AND (length(x) <= 10)', true),
                  ('length(x) > 0', false), ('pg_column_size(x) <= 65536', true), ('octet_length(x) = 32', true),
                  ('length((x)::text) <= 5', true), ('cardinality(x) <= 4', true), ('length(y) <= 10', false),
                  ('(length(x) <= 10) OR (y IS NULL)', false), ('x = ANY (ARRAY[''a''::text, ''b''::text])', true),
                  ('x = ANY (ARRAY[y, ''b''::text])', false), ('x ~ ''^[a-z]{1,9}$''::text', true),
                  ('x ~ ''^[a-z]+$''::text', false), ('x ~ ''^[a-z]*$''::text', false), ('x ~ ''^[a-z]{2,}$''::text', false),
                  ('x ~ ''^a|b$''::text', false), ('x ~ ''^(ab|cd)$''::text', true), ('x ~ ''^[*+]{1,3}$''::text', true),
                  ('x ~ ''[a-z]{1,9}''::text', false)) as t (term, expected)
    where (select bool_or(pg_temp.bounds(c, 'x')) from pg_temp.conjuncts(t.term) as c) is distinct from t.expected),
  null,
  'the CHECK reader accepts upper bounds, closed lists and finite anchored patterns only, as top-level AND terms');

select is(
  (select array_agg(u.table_name || '.' || u.column_name order by 1)
     from unbounded_columns as u
    where not exists (select from reviewed_exceptions as e
                       where e.table_name = u.table_name and e.column_name = u.column_name)),
  null,
  'every text, JSON, binary and array column is bounded by a CHECK or is a reviewed exception');

select is(
  (select array_agg(e.table_name || '.' || e.column_name order by 1)
     from reviewed_exceptions as e
    where not exists (select from unbounded_columns as u
                       where u.table_name = e.table_name and u.column_name = e.column_name)),
  null,
  'every reviewed exception is still needed (else drop it from the list)');

select is(
  (select array_agg(e.table_name || '.' || e.column_name || ' (' || e.bounded_by[1] || ')' order by 1)
     from reviewed_exceptions as e
    where e.kind = 'check'
      and not exists (select from pg_catalog.pg_constraint as k
                        join pg_catalog.pg_attribute as a on a.attrelid = k.conrelid and a.attname = e.column_name
                       where k.conrelid = e.table_name::regclass and k.conname = e.bounded_by[1]
                         and k.contype = 'c' and k.convalidated and a.attnum = any (k.conkey))),
  null,
  'every "check" exception names a validated CHECK of its table that covers the column');

select is(
  (select array_agg(e.table_name || '.' || e.column_name order by 1)
     from reviewed_exceptions as e
     join pg_catalog.pg_attribute as a on a.attrelid = e.table_name::regclass and a.attname = e.column_name
    where e.kind = 'generated' and a.attgenerated <> 's'),
  null,
  'every "generated" exception is a stored generated column');

select is(
  (select array_agg(e.table_name || '.' || e.column_name || ' by ' || r.role order by 1)
     from reviewed_exceptions as e
     cross join (values ('authenticated'), ('anon')) as r (role)
    where e.kind = 'writer'
      and (has_column_privilege(r.role, e.table_name::regclass, e.column_name, 'INSERT')
           or has_column_privilege(r.role, e.table_name::regclass, e.column_name, 'UPDATE'))),
  null,
  'no "writer" exception can be written directly by authenticated or anon');

select is(
  (select array_agg(e.table_name || '.' || e.column_name || ' by ' || r.role order by 1)
     from reviewed_exceptions as e
     cross join (values ('authenticated'), ('anon'), ('service_role')) as r (role)
    where e.kind = 'owner'
      and (has_column_privilege(r.role, e.table_name::regclass, e.column_name, 'INSERT')
           or has_column_privilege(r.role, e.table_name::regclass, e.column_name, 'UPDATE'))),
  null,
  'no "owner" exception can be written by an API role');

select is(
  (select array_agg(f order by f)
     from reviewed_exceptions as e, unnest(e.bounded_by) as f
    where e.kind = 'writer'
      and not exists (select from pg_catalog.pg_proc as p
                       where p.pronamespace::regnamespace::text || '.' || p.proname = f)),
  null,
  'every function a "writer" exception relies on exists');

-- The limits the "check" exceptions rely on.
select is(projects.is_valid_branch_name(repeat('a', 256)), false, 'is_valid_branch_name() refuses 256 characters');
select throws_ok($$select projects.validate_goals((select jsonb_agg(jsonb_build_object('text', repeat('g', 1000))) from generate_series(1, 80)))$$,
                 '23514', 'project goals are limited to 100 entries and 64 KiB',
                 'validate_goals() refuses goals over 64 KiB');
select throws_ok($$select projects.validate_analysis_config(jsonb_build_object('options', (select jsonb_object_agg(g::text, md5(g::text)) from generate_series(1, 3000) as g)))$$,
                 '23514', 'analysis_config is limited to 64 KiB',
                 'validate_analysis_config() refuses a config over 64 KiB');

select * from finish();
rollback;
