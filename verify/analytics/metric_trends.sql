-- Verify platform:analytics/metric_trends on pg

begin;

select organization_id, id, repository_id, metric_name, period, period_start, sample_count,
       avg_value, min_value, max_value, last_value, previous_avg, change_abs, change_pct,
       direction, refreshed_at, created_at, updated_at
  from analytics.metric_trends
 where false;

select 1 / (p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.refresh_metric_trends(uuid, uuid, timestamptz)'::regprocedure;
select 1 / (not p.prosecdef)::int from pg_catalog.pg_proc as p where p.oid = 'analytics.refresh_metric_trends(uuid, uuid, timestamptz)'::regprocedure;

rollback;
