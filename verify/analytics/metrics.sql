-- Verify platform:analytics/metrics on pg

begin;

select organization_id, id, repository_id, run_id, scope, scope_ref, name, value, unit, dimensions,
       recorded_at, created_at
  from analytics.metrics
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'analytics.metrics' and lower_bound <= now() and upper_bound > now();
select 1 / count(*) from base.partitions where parent_table = 'analytics.metrics' and is_default;

rollback;
