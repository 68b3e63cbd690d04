-- Deploy platform:analytics/repository_quality_overview_on_citus to pg
-- On a Citus coordinator, repository_quality_overview is written as joins on
-- (organization_id, repository_id), so that a tenant's query of it is a router query on one shard
-- and its live quality score is computed there. Where Citus is absent nothing changes: the view
-- keeps its LATERAL form, the faster one on one node.
--
-- Why two forms:
--   * Citus prunes shards on each table's own filters. A LATERAL subquery's
--     `ar.organization_id = r.organization_id` is a correlation, not a constant, so
--     `... where organization_id = $1` ran on every shard (Task Count 8). Joined derived tables,
--     each grouped or windowed by (organization_id, repository_id), receive the filter from
--     PostgreSQL itself: Task Count 1.
--   * The quality_score column called analytics.calculate_quality_score per row. On Citus that
--     function runs on the worker, inside the shard query, and its own reads of distributed tables
--     are refused there ("cannot execute a distributed query from a query on a shard"). Here the
--     score is computed in the view from the latest run and the open issues it already joins,
--     with the weights from the two weight catalogs (reference tables, on every node): the same
--     formula as analytics.quality_score_components (the lane compares the two on hand-made data).
--   * On one node the join form costs about 10% more at 10 runs per repository and grows with a
--     repository's history: the windows read every succeeded run and every file of the latest run
--     where the LATERAL form reads a few index entries. So one node keeps the LATERAL form.
-- Same columns and types in both forms; the same rows, but for which file fills a tie at the fifth
-- hot spot (here by file_path, the order the list is shown in).

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
       qs.quality_score,
       lr.quality_score                            as quality_score_at_run,
       lr.previous_quality_score::numeric(5,2)     as previous_run_quality_score,
       lr.quality_score - lr.previous_quality_score as score_change_since_previous_run,
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
       coalesce(oi.open_issues, 0)                 as open_issues,
       coalesce(oi.open_blocker, 0)                as open_blocker,
       coalesce(oi.open_critical, 0)               as open_critical,
       coalesce(oi.open_major, 0)                  as open_major,
       coalesce(oi.open_minor, 0)                  as open_minor,
       coalesce(oi.open_info, 0)                   as open_info,
       coalesce(hs.hot_spots, '[]')                as complexity_hot_spots
  from projects.repositories as r
  -- The latest succeeded run, and the score of the one before it.
  left join (
       select ar.organization_id, ar.repository_id, ar.id, ar.commit_sha, ar.branch, ar.finished_at,
              ar.quality_score, ar.files_analyzed, ar.lines_of_code, ar.coverage_pct, ar.duplication_pct,
              ar.complexity_total, ar.maintainability_avg,
              lead(ar.quality_score) over w as previous_quality_score,
              row_number() over w           as run_rank
         from analytics.analysis_runs as ar
        where ar.status = 'succeeded'
       window w as (partition by ar.organization_id, ar.repository_id
                    order by ar.finished_at desc, ar.id desc)) as lr
    on lr.organization_id = r.organization_id and lr.repository_id = r.id and lr.run_rank = 1
  -- Open issues by severity, and their severity-weighted sum for the score.
  left join (
       select i.organization_id, i.repository_id,
              count(*)                                        as open_issues,
              count(*) filter (where i.severity = 'blocker')  as open_blocker,
              count(*) filter (where i.severity = 'critical') as open_critical,
              count(*) filter (where i.severity = 'major')    as open_major,
              count(*) filter (where i.severity = 'minor')    as open_minor,
              count(*) filter (where i.severity = 'info')     as open_info,
              coalesce(sum(sw.weight), 0)                     as weighted_open_issues
         from analytics.issues as i
         left join analytics.issue_severity_weights as sw on sw.severity = i.severity
        where i.status in ('open', 'confirmed')
        group by i.organization_id, i.repository_id) as oi
    on oi.organization_id = r.organization_id and oi.repository_id = r.id
  -- The latest run's five most complex files, in two passes so that the whole run is read from the
  -- index only: rank() over the complexities finds the top five values, then the files with those
  -- values are fetched and the first five by (complexity desc, file_path) kept.
  left join (
       select f.organization_id, f.repository_id,
              jsonb_agg(jsonb_build_object('file_path', f.file_path, 'complexity', f.complexity,
                                           'lines_code', f.lines_code,
                                           'maintainability_index', f.maintainability_index,
                                           'coverage_pct', f.coverage_pct)
                        order by f.complexity desc, f.file_path) as hot_spots
         from (select top.organization_id, top.repository_id, fa.file_path, fa.complexity, fa.lines_code,
                      fa.maintainability_index, fa.coverage_pct,
                      row_number() over (partition by top.organization_id, top.repository_id
                                         order by fa.complexity desc, fa.file_path) as file_rank
                 from (select distinct c.organization_id, c.repository_id, c.run_id, c.complexity
                         from (select run.organization_id, run.repository_id, run.id as run_id, fa.complexity,
                                      rank() over (partition by run.organization_id, run.repository_id
                                                   order by fa.complexity desc) as complexity_rank
                                 from (select ar.organization_id, ar.repository_id, ar.id,
                                              row_number() over (partition by ar.organization_id, ar.repository_id
                                                                 order by ar.finished_at desc, ar.id desc) as run_rank
                                         from analytics.analysis_runs as ar
                                        where ar.status = 'succeeded') as run
                                 join analytics.file_analysis as fa
                                   on fa.organization_id = run.organization_id and fa.run_id = run.id
                                where run.run_rank = 1 and fa.complexity is not null) as c
                        where c.complexity_rank <= 5) as top
                 join analytics.file_analysis as fa
                   on fa.organization_id = top.organization_id and fa.run_id = top.run_id
                  and fa.complexity = top.complexity) as f
        where f.file_rank <= 5
        group by f.organization_id, f.repository_id) as hs
    on hs.organization_id = r.organization_id and hs.repository_id = r.id
  -- The latest weekly quality_score trend (joined through the repository, so that a query by
  -- repository_id alone still probes metric_trends' key by organization).
  left join (
       select t.organization_id, t.repository_id, t.change_abs,
              row_number() over (partition by t.organization_id, t.repository_id
                                 order by t.period_start desc) as trend_rank
         from projects.repositories as tr_repo
         join analytics.metric_trends as t
           on t.organization_id = tr_repo.organization_id and t.repository_id = tr_repo.id
        where t.metric_name = 'quality_score' and t.period = 'week') as tr
    on tr.organization_id = r.organization_id and tr.repository_id = r.id and tr.trend_rank = 1
  -- The live score, analytics.quality_score_components' formula and rounding: each component the
  -- run measured and the weights count scores 0-100 on its scale, its contribution is that score
  -- times its share of the weights, the score their sum. NULL without a succeeded run. Reads only
  -- the weight catalog (a reference table on Citus).
  left join lateral (
       select round(sum(s.contribution), 2) as quality_score
         from (select round(round(100 * greatest(0, least(1, (w.zero_at - m.value) / (w.zero_at - w.full_at))), 2)
                            * w.weight / sum(w.weight) over (), 4) as contribution
                 from (values ('issues', round(coalesce(oi.weighted_open_issues, 0)
                                               / greatest(coalesce(lr.lines_of_code, 0) / 1000.0, 1), 4)),
                              ('coverage', lr.coverage_pct),
                              ('duplication', lr.duplication_pct),
                              ('complexity', case when lr.lines_of_code > 0
                                                  then round(100.0 * lr.complexity_total / lr.lines_of_code, 4) end))
                        as m (component, value)
                 join analytics.quality_score_weights as w on w.component = m.component
                where lr.id is not null and m.value is not null and w.weight > 0) as s) as qs on true;

comment on view analytics.repository_quality_overview is
  'Per repository: live quality score, the latest run''s snapshot and the previous run''s, weekly trend direction (improving/declining/stable, +-1 point), coverage, duplication, complexity per 100 lines, maintainability, open issues by severity and the five most complex files of the latest run (ties broken by file_path). A plain security_invoker view (RLS applies); always current, no refresh. On Citus (this form) written as joins on (organization_id, repository_id), so a query filtered on one organization_id is a router query on one shard, with the score computed in the view (the formula of analytics.quality_score_components).';
comment on column analytics.repository_quality_overview.quality_score is 'The live score, as analytics.calculate_quality_score(repository_id) gives it: latest successful run + currently open issues (computed in the view on Citus).';
\endif

commit;
