-- Verify platform:analytics/performance_metrics on pg

begin;

select organization_id, id, repository_id, run_id, name, environment, p50_ms, p95_ms, p99_ms,
       throughput_per_s, memory_bytes, sample_count, dimensions, measured_at, created_at
  from analytics.performance_metrics
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'analytics.performance_metrics' and lower_bound <= now() and upper_bound > now();

rollback;
