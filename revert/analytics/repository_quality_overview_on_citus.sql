-- Revert platform:analytics/repository_quality_overview_on_citus from pg
-- On Citus, back to the LATERAL form (the one every other target keeps), its comments as they were.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

select exists (select from pg_catalog.pg_extension where extname = 'citus') as on_citus \gset

\if :on_citus
create or replace view analytics.repository_quality_overview
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
\endif

commit;
