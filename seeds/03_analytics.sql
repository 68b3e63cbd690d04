-- Seed: analytics module. Two repositories of acme (acme/api, acme/web; from seeds/01_projects.sql)
-- with a run every week for six weeks, recorded through analytics.record_analysis_run() exactly
-- as a tool adapter would: acme/api improves (coverage up, issues fixed, one issue reopened on
-- the way), acme/web declines (complexity and duplication creep in). globex/pipeline gets one run.
-- Loadable any number of times: a run is recorded only if its repository has no run at that
-- commit yet (commit SHAs are fixed), and runs are recorded oldest first, so fingerprint
-- carry-over, reopening and auto-resolution play out as in real life.

begin;

do $$
declare
  v_plan record;
  v_report jsonb;
begin
  for v_plan in
    select r.organization_id, r.id as repository_id, r.full_name, s.week, s.trend, s.tools,
           encode(sha256(convert_to(r.full_name || '#seed-run-' || s.week, 'UTF8')), 'hex')::text as sha,
           date_trunc('day', now()) - make_interval(weeks => 5 - s.week) - interval '3 hours' as finished_at
      from (values ('acme/api', 'improving', '{"golangci-lint": "1.59.0", "coverage": "go1.23"}'::jsonb),
                   ('acme/web', 'declining', '{"eslint": "9.1.0", "coverage": "vitest-2.0"}'::jsonb),
                   ('globex/pipeline', 'single', '{"ruff": "0.5.0", "coverage": "7.5"}'::jsonb)) as p(full_name, trend, tools)
      join projects.repositories as r on r.full_name = p.full_name
      join base.organizations as o on o.id = r.organization_id and o.slug in ('acme', 'globex')
     cross join lateral (select g as week, p.trend, p.tools
                           from generate_series(case when p.trend = 'single' then 5 else 0 end, 5) as g) as s
     where not exists (select from analytics.analysis_runs as ar
                        where ar.organization_id = r.organization_id and ar.repository_id = r.id
                          and ar.commit_sha = encode(sha256(convert_to(r.full_name || '#seed-run-' || s.week, 'UTF8')), 'hex'))
     order by s.week, r.full_name
  loop
    v_report := jsonb_build_object(
      'commit_sha', v_plan.sha,
      'branch', 'main',
      'tools', v_plan.tools,
      'started_at', v_plan.finished_at - interval '7 minutes',
      'finished_at', v_plan.finished_at,
      'files', (
        select jsonb_agg(jsonb_build_object(
                 'path', format('src/module_%s/file_%s.%s', f % 4, f, case when v_plan.full_name = 'acme/web' then 'ts' else 'go' end),
                 'language', case when v_plan.full_name = 'acme/web' then 'typescript' else 'go' end,
                 'lines_code', 150 + f * 10,
                 'lines_comment', 20 + f,
                 'lines_blank', 25,
                 'complexity', case v_plan.trend when 'declining' then 18 + f + v_plan.week * 4 else 30 + f - v_plan.week * 2 end,
                 'duplication_pct', case v_plan.trend when 'declining' then 2 + v_plan.week * 2.5 else 8 - v_plan.week end,
                 'coverage_pct', case v_plan.trend when 'declining' then 78 - v_plan.week * 3 - f % 5 else 52 + v_plan.week * 6 - f % 5 end,
                 'maintainability_index', case v_plan.trend when 'declining' then 80 - v_plan.week * 3 else 60 + v_plan.week * 3 end,
                 'elements', case when f = 1 then jsonb_build_array(jsonb_build_object(
                     'kind', 'struct', 'name', 'Service', 'qualified_name', 'module_1.Service',
                     'start_line', 1, 'end_line', 140, 'cyclomatic_complexity', 1, 'cognitive_complexity', 0,
                     'children', jsonb_build_array(
                       jsonb_build_object('kind', 'method', 'name', 'Handle', 'qualified_name', 'module_1.Service.Handle',
                                          'start_line', 10, 'end_line', 90, 'cyclomatic_complexity', 12 - least(v_plan.week, 5),
                                          'cognitive_complexity', 15, 'parameters', '[{"name": "ctx"}, {"name": "req"}]'::jsonb,
                                          'children', jsonb_build_array(jsonb_build_object(
                                            'kind', 'closure', 'name', 'retry', 'qualified_name', 'module_1.Service.Handle.retry',
                                            'start_line', 40, 'end_line', 55, 'cyclomatic_complexity', 3))),
                       jsonb_build_object('kind', 'method', 'name', 'Close', 'qualified_name', 'module_1.Service.Close',
                                          'start_line', 100, 'end_line', 120, 'cyclomatic_complexity', 2)))) else '[]'::jsonb end)
               order by f)
          from generate_series(1, 20) as f),
      'issues', (
        select coalesce(jsonb_agg(jsonb_build_object(
                 'fingerprint', format('%s:%s', v_plan.full_name, i),
                 'tool', case when v_plan.full_name = 'acme/web' then 'eslint' when v_plan.full_name = 'acme/api' then 'golangci-lint' else 'ruff' end,
                 'rule', (array['errcheck', 'unused', 'gosec-G104', 'ineffassign', 'dupl', 'gocyclo'])[1 + i % 6],
                 'severity', (array['minor', 'major', 'minor', 'critical', 'info', 'major'])[1 + i % 6],
                 'type', (array['code_smell', 'bug', 'code_smell', 'vulnerability', 'code_smell', 'bug'])[1 + i % 6],
                 'file_path', format('src/module_%s/file_%s.go', i % 4, i),
                 'line', 10 + i,
                 'message', format('Seeded finding %s', i)) order by i), '[]'::jsonb)
          from generate_series(1, 14) as i
         where case v_plan.trend
                 -- improving: two issues fixed a week; issue 14 is fixed in week 2 and comes back in week 4
                 when 'improving' then (i <= 12 - 2 * v_plan.week) or (i = 14 and v_plan.week not in (2, 3))
                 -- declining: new issues every week
                 when 'declining' then i <= 3 + 2 * v_plan.week
                 else i <= 4 end),
      'metrics', jsonb_build_array(jsonb_build_object('name', 'build_time_s', 'value', 120 + v_plan.week * 5, 'unit', 's',
                                                      'dimensions', '{"runner": "ci-large"}'::jsonb)),
      'performance', case when v_plan.full_name = 'acme/api' then jsonb_build_array(jsonb_build_object(
                       'name', 'GET /v1/invoices', 'environment', 'staging',
                       'p50_ms', 18 - v_plan.week, 'p95_ms', 45 - v_plan.week * 3, 'p99_ms', 90 - v_plan.week * 5,
                       'throughput_per_s', 850 + v_plan.week * 40, 'memory_bytes', 268435456, 'sample_count', 5000)) else '[]'::jsonb end);

    perform analytics.record_analysis_run(v_plan.organization_id, v_plan.repository_id, v_report);
  end loop;
end
$$;

-- One issue triaged by a person: a won't-fix decision on acme/web, kept across runs.
do $$
declare
  v_issue record;
begin
  select i.organization_id, i.id into v_issue
    from analytics.issues as i
   where i.fingerprint = 'acme/web:1' and i.status = 'open';
  if found then
    perform analytics.set_issue_status(v_issue.organization_id, v_issue.id, 'wont_fix', 'seed: legacy API kept on purpose');
  end if;
end
$$;

-- Seeded runs are backdated: give their metrics proper monthly partitions (out of DEFAULT).
select count(*) as partition_actions from base.run_partition_maintenance('analytics.metrics');
select count(*) as partition_actions from base.run_partition_maintenance('analytics.performance_metrics');

commit;
