-- Deploy platform:analytics/repository_quality_overview to pg
-- Per repository: the quality score, open issues by severity, the latest run's coverage,
-- duplication and complexity, the complexity hot spots and the trend direction.
--     select * from analytics.repository_quality_overview where repository_id = $1;
--
-- A plain view, not a materialized one, on purpose:
--   * a materialized view cannot carry row-level security: it would need its own per-tenant
--     filtering and would show every organization's rows to anyone granted SELECT on it;
--   * there is nothing costly left to compute at read time. The run's summary and score are
--     computed once, when the run finishes (analytics/run_lifecycle); trends are rolled up by
--     analytics.refresh_metric_trends() (called by each successful run). What the view does per
--     repository is a handful of index probes: latest and previous successful run
--     (analysis_runs_repository_id_succeeded_idx), open issues (issues_repository_id_open_idx),
--     top-5 files by complexity (file_analysis_organization_id_run_id_complexity_idx, no sort)
--     and the latest weekly quality_score trend (metric_trends' unique key).
-- So there is no refresh to schedule: the overview is always current.
-- security_invoker = true (PostgreSQL 15+): the caller's RLS applies to every table read.
--
-- trend_direction compares the latest weekly average quality score with the previous week's
-- that has data: improving (> +1 point), declining (< -1 point), stable, or NULL (one week only).

begin;

create view analytics.repository_quality_overview
with (security_invoker = true)
as
select r.organization_id,
       r.id                                        as repository_id,
       r.full_name,
       r.provider,
       r.default_branch,
       r.last_analyzed_at,
       lr.id                                       as latest_run_id,
       lr.commit_sha                               as latest_commit_sha,
       lr.branch                                   as latest_branch,
       lr.finished_at                              as latest_run_finished_at,
       analytics.calculate_quality_score(r.id)     as quality_score,
       lr.quality_score                            as quality_score_at_run,
       pr.quality_score                            as previous_run_quality_score,
       lr.quality_score - pr.quality_score         as score_change_since_previous_run,
       case when tr.change_abs is null then null
            when tr.change_abs > 1 then 'improving'
            when tr.change_abs < -1 then 'declining'
            else 'stable' end                      as trend_direction,
       round(tr.change_abs::numeric, 2)            as weekly_score_change,
       lr.files_analyzed,
       lr.lines_of_code,
       lr.coverage_pct,
       lr.duplication_pct,
       case when lr.lines_of_code > 0
            then round(100.0 * lr.complexity_total / lr.lines_of_code, 2) end as complexity_per_100_lines,
       lr.maintainability_avg,
       oi.open_issues,
       oi.open_blocker,
       oi.open_critical,
       oi.open_major,
       oi.open_minor,
       oi.open_info,
       coalesce(hs.hot_spots, '[]')                as complexity_hot_spots
  from projects.repositories as r
  left join lateral (
       select ar.organization_id, ar.id, ar.commit_sha, ar.branch, ar.finished_at, ar.quality_score,
              ar.files_analyzed, ar.lines_of_code, ar.coverage_pct, ar.duplication_pct,
              ar.complexity_total, ar.maintainability_avg
         from analytics.analysis_runs as ar
        where ar.repository_id = r.id and ar.organization_id = r.organization_id
          and ar.status = 'succeeded'
        order by ar.finished_at desc, ar.id desc
        limit 1) as lr on true
  left join lateral (
       select ar.quality_score
         from analytics.analysis_runs as ar
        where ar.repository_id = r.id and ar.organization_id = r.organization_id
          and ar.status = 'succeeded'
          and (ar.finished_at, ar.id) < (lr.finished_at, lr.id)
        order by ar.finished_at desc, ar.id desc
        limit 1) as pr on true
  cross join lateral (
       select count(*)                                        as open_issues,
              count(*) filter (where i.severity = 'blocker')  as open_blocker,
              count(*) filter (where i.severity = 'critical') as open_critical,
              count(*) filter (where i.severity = 'major')    as open_major,
              count(*) filter (where i.severity = 'minor')    as open_minor,
              count(*) filter (where i.severity = 'info')     as open_info
         from analytics.issues as i
        where i.repository_id = r.id and i.organization_id = r.organization_id
          and i.status in ('open', 'confirmed')) as oi
  left join lateral (
       select jsonb_agg(jsonb_build_object('file_path', f.file_path, 'complexity', f.complexity,
                                           'lines_code', f.lines_code,
                                           'maintainability_index', f.maintainability_index,
                                           'coverage_pct', f.coverage_pct)
                        order by f.complexity desc, f.file_path) as hot_spots
         from (select fa.file_path, fa.complexity, fa.lines_code, fa.maintainability_index, fa.coverage_pct
                 from analytics.file_analysis as fa
                where fa.organization_id = lr.organization_id and fa.run_id = lr.id
                  and fa.complexity is not null
                order by fa.complexity desc nulls last
                limit 5) as f) as hs on true
  left join lateral (
       select t.change_abs
         from analytics.metric_trends as t
        where t.organization_id = r.organization_id and t.repository_id = r.id
          and t.metric_name = 'quality_score' and t.period = 'week'
        order by t.period_start desc
        limit 1) as tr on true;

comment on view analytics.repository_quality_overview is
  'Per repository: live quality score (calculate_quality_score), the latest run''s snapshot and the previous run''s, weekly trend direction (improving/declining/stable, +-1 point), coverage, duplication, complexity per 100 lines, maintainability, open issues by severity and the five most complex files of the latest run. A plain security_invoker view (RLS applies); always current, no refresh: the costly parts are precomputed when a run finishes.';
comment on column analytics.repository_quality_overview.quality_score is 'analytics.calculate_quality_score(repository_id): latest successful run + currently open issues.';
comment on column analytics.repository_quality_overview.quality_score_at_run is 'The score stored when the latest successful run finished.';
comment on column analytics.repository_quality_overview.trend_direction is 'improving, declining or stable: the latest weekly quality_score average against the previous week with data (+-1 point); NULL with one week of data.';
comment on column analytics.repository_quality_overview.complexity_hot_spots is 'The latest run''s five most complex files: [{file_path, complexity, lines_code, maintainability_index, coverage_pct}].';

grant select on analytics.repository_quality_overview to authenticated, service_role;

commit;
