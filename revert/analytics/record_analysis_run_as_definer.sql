-- Revert platform:analytics/record_analysis_run_as_definer from pg
-- Back to analytics.record_analysis_run running its body as the caller, under RLS.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function analytics.record_analysis_run(organization_id uuid, repository_id uuid, report jsonb)
returns uuid
language plpgsql
volatile
security invoker
-- The recursive flattening of element trees is estimated at millions of rows (jsonb functions
-- default to 100 rows each), which would trigger a JIT compile costing ~1 s on every call.
set jit = off
set search_path = pg_catalog, pg_temp
as $$
declare
  v_run      uuid;
  v_status   text;
  v_started  timestamptz;
  v_finished timestamptz;
  v_tools    text[];
  v_key      text;
  v_bad      record;
  v_tree     jsonb;
  v_max      integer;
begin
  if base.current_user_id() is not null
     and not base.has_organization_role(record_analysis_run.organization_id, 'member') then
    raise exception 'only members of organization % may record analysis runs', record_analysis_run.organization_id
      using errcode = '42501';
  end if;

  -- The report's shape ------------------------------------------------------------------------
  if report is null or jsonb_typeof(report) <> 'object' then
    raise exception 'the analysis report must be a JSON object'
      using errcode = '22023', hint = 'See the comment of analytics.record_analysis_run for the shape.';
  end if;
  for v_key in select jsonb_object_keys(report) loop
    if v_key not in ('commit_sha', 'branch', 'tools', 'status', 'started_at', 'finished_at', 'task_id',
                     'error_message', 'files', 'issues', 'metrics', 'performance') then
      raise exception 'the analysis report has an unknown key "%"', v_key
        using errcode = '22023',
              hint = 'Keys: commit_sha, branch, tools, status, started_at, finished_at, task_id, error_message, files, issues, metrics, performance.';
    end if;
  end loop;
  if jsonb_typeof(report -> 'commit_sha') is distinct from 'string' then
    raise exception 'the analysis report needs "commit_sha" (a string)' using errcode = '22023';
  end if;
  if jsonb_typeof(report -> 'tools') is distinct from 'object' or report -> 'tools' = '{}' then
    raise exception 'the analysis report needs "tools", an object of tool name -> version, e.g. {"eslint": "9.1.0"}'
      using errcode = '22023';
  end if;
  v_tools := array(select jsonb_object_keys(report -> 'tools'));
  v_status := coalesce(report ->> 'status', 'succeeded');
  if v_status not in ('succeeded', 'failed', 'cancelled') then
    raise exception 'the analysis report has status %, expected succeeded, failed or cancelled', quote_literal(v_status)
      using errcode = '22023';
  end if;
  foreach v_key in array array['files', 'issues', 'metrics', 'performance'] loop
    if report ? v_key and jsonb_typeof(report -> v_key) <> 'array' then
      raise exception 'the analysis report''s "%" must be an array', v_key using errcode = '22023';
    end if;
  end loop;

  select x.n, x.value into v_bad
    from jsonb_array_elements(coalesce(report -> 'files', '[]')) with ordinality as x(value, n)
   where jsonb_typeof(x.value) <> 'object' or jsonb_typeof(x.value -> 'path') is distinct from 'string'
      or (x.value ? 'elements' and jsonb_typeof(x.value -> 'elements') <> 'array')
   limit 1;
  if found then
    raise exception 'report.files[%] must be an object with a "path" string (and "elements" as an array)', v_bad.n - 1
      using errcode = '22023';
  end if;

  select x.n, x.value into v_bad
    from jsonb_array_elements(coalesce(report -> 'issues', '[]')) with ordinality as x(value, n)
   where jsonb_typeof(x.value) <> 'object'
      or jsonb_typeof(x.value -> 'fingerprint') is distinct from 'string'
      or not (coalesce(x.value ->> 'tool', case when cardinality(v_tools) = 1 then v_tools[1] end) = any (v_tools))
   limit 1;
  if found then
    raise exception 'report.issues[%] must be an object with a "fingerprint" and a "tool" among the run''s tools (%)',
                    v_bad.n - 1, array_to_string(v_tools, ', ')
      using errcode = '22023';
  end if;

  -- One recording per repository at a time: two runs of one repository that upsert different
  -- issues and then auto-resolve each other's would otherwise deadlock. The row lock (not a key
  -- lock: foreign-key checks still pass) also proves the repository exists and is the caller's.
  perform from projects.repositories as r
   where r.organization_id = record_analysis_run.organization_id and r.id = record_analysis_run.repository_id
     for no key update;
  if not found then
    raise exception 'repository % not found in organization %', repository_id, organization_id
      using errcode = 'P0002';
  end if;

  v_started := coalesce((report ->> 'started_at')::timestamptz, now());
  v_finished := coalesce((report ->> 'finished_at')::timestamptz, greatest(now(), v_started));

  -- The run, in flight while its results arrive ---------------------------------------------
  insert into analytics.analysis_runs as r
    (organization_id, repository_id, task_id, commit_sha, branch, tools, status, started_at)
  values (record_analysis_run.organization_id, record_analysis_run.repository_id,
          (report ->> 'task_id')::uuid, report ->> 'commit_sha', report ->> 'branch',
          report -> 'tools', 'running', v_started)
  returning r.id into v_run;

  insert into analytics.file_analysis
    (organization_id, run_id, file_path, language, lines_code, lines_comment, lines_blank, complexity,
     duplication_pct, coverage_pct, maintainability_index)
  select record_analysis_run.organization_id, v_run, f ->> 'path', f ->> 'language',
         coalesce((f ->> 'lines_code')::integer, 0), coalesce((f ->> 'lines_comment')::integer, 0),
         coalesce((f ->> 'lines_blank')::integer, 0), (f ->> 'complexity')::integer,
         (f ->> 'duplication_pct')::numeric, (f ->> 'coverage_pct')::numeric,
         (f ->> 'maintainability_index')::numeric
    from jsonb_array_elements(coalesce(report -> 'files', '[]')) as f;

  -- Code elements: flatten the trees (ids assigned here), then insert level by level so that
  -- each element's parent exists when its path is computed.
  with recursive tree as (
    select f.value ->> 'path' as file_path, e.value as el, null::uuid as parent_id,
           base.uuid_generate_v7() as id, 0 as depth
      from jsonb_array_elements(coalesce(report -> 'files', '[]')) as f
     cross join lateral jsonb_array_elements(coalesce(f.value -> 'elements', '[]')) as e
    union all
    select t.file_path, c.value, t.id, base.uuid_generate_v7(), t.depth + 1
      from tree as t
     cross join lateral jsonb_array_elements(case when jsonb_typeof(t.el -> 'children') = 'array'
                                                  then t.el -> 'children' else '[]' end) as c
     where t.depth < 63
  )
  select jsonb_agg(jsonb_build_object('file_path', t.file_path, 'el', t.el, 'parent_id', t.parent_id,
                                      'id', t.id, 'depth', t.depth)),
         max(t.depth)
    into v_tree, v_max
    from tree as t;

  for v_depth in 0 .. coalesce(v_max, -1) loop
    insert into analytics.code_element_analysis
      (organization_id, id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line,
       cyclomatic_complexity, cognitive_complexity, parameters)
    select record_analysis_run.organization_id, (x ->> 'id')::uuid, v_run, (x ->> 'parent_id')::uuid,
           x ->> 'file_path', x -> 'el' ->> 'kind', x -> 'el' ->> 'name',
           coalesce(x -> 'el' ->> 'qualified_name', x -> 'el' ->> 'name'),
           (x -> 'el' ->> 'start_line')::integer, (x -> 'el' ->> 'end_line')::integer,
           (x -> 'el' ->> 'cyclomatic_complexity')::integer, (x -> 'el' ->> 'cognitive_complexity')::integer,
           coalesce(x -> 'el' -> 'parameters', '[]')
      from jsonb_array_elements(v_tree) as x
     where (x ->> 'depth')::integer = v_depth;
  end loop;

  -- Issues: the same fingerprint is the same issue (reopened by trigger if it was resolved).
  insert into analytics.issues as i
    (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, file_path, line, message,
     first_seen_run_id, last_seen_run_id, first_seen_at, last_seen_at)
  select distinct on (x ->> 'fingerprint')
         record_analysis_run.organization_id, record_analysis_run.repository_id, x ->> 'fingerprint',
         coalesce(x ->> 'tool', v_tools[1]), coalesce(x ->> 'rule', x ->> 'rule_id'),
         x ->> 'severity', x ->> 'type', x ->> 'file_path', (x ->> 'line')::integer, x ->> 'message',
         v_run, v_run, v_finished, v_finished
    from jsonb_array_elements(coalesce(report -> 'issues', '[]')) as x
   order by x ->> 'fingerprint'
  on conflict on constraint issues_organization_id_repository_id_fingerprint_key do update
     set tool = excluded.tool, rule_id = excluded.rule_id, severity = excluded.severity,
         type = excluded.type, file_path = excluded.file_path, line = excluded.line,
         message = excluded.message, last_seen_run_id = excluded.last_seen_run_id,
         last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at);

  insert into analytics.metrics
    (organization_id, repository_id, run_id, scope, scope_ref, name, value, unit, dimensions, recorded_at)
  select record_analysis_run.organization_id, record_analysis_run.repository_id, v_run,
         coalesce(x ->> 'scope', 'repository'), x ->> 'scope_ref', x ->> 'name', (x ->> 'value')::double precision,
         x ->> 'unit', coalesce(x -> 'dimensions', '{}'),
         coalesce((x ->> 'recorded_at')::timestamptz, v_finished)
    from jsonb_array_elements(coalesce(report -> 'metrics', '[]')) as x;

  insert into analytics.performance_metrics
    (organization_id, repository_id, run_id, name, environment, p50_ms, p95_ms, p99_ms, throughput_per_s,
     memory_bytes, sample_count, dimensions, measured_at)
  select record_analysis_run.organization_id, record_analysis_run.repository_id, v_run,
         x ->> 'name', coalesce(x ->> 'environment', 'default'), (x ->> 'p50_ms')::double precision,
         (x ->> 'p95_ms')::double precision, (x ->> 'p99_ms')::double precision,
         (x ->> 'throughput_per_s')::double precision, (x ->> 'memory_bytes')::bigint,
         (x ->> 'sample_count')::integer, coalesce(x -> 'dimensions', '{}'),
         coalesce((x ->> 'measured_at')::timestamptz, v_finished)
    from jsonb_array_elements(coalesce(report -> 'performance', '[]')) as x;

  -- The final status: summary, auto-resolution, score, last_analyzed_at and trends follow.
  update analytics.analysis_runs as r
     set status = v_status, finished_at = v_finished, error_message = report ->> 'error_message'
   where r.organization_id = record_analysis_run.organization_id and r.id = v_run;

  return v_run;
end
$$;

comment on function analytics.record_analysis_run(uuid, uuid, jsonb) is
  'Records a complete analysis run from one JSON report (shape in docs/analytics.md and the deploy script): run, files, code-element trees, issues (carried over by fingerprint), metrics, performance, final status. Returns the run id. Runs as the caller under RLS. 42501 not a member, 22023 malformed report, P0002 unknown repository, 23514 out-of-range values.';

drop function internal.record_analysis_run(uuid, uuid, jsonb);

commit;
