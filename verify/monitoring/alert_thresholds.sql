-- Verify platform:monitoring/alert_thresholds on pg

begin;

select check_name, direction, info_threshold, warning_threshold, critical_threshold, minimum_sample,
       unit, description, is_enabled, created_at, updated_at
  from monitoring.alert_thresholds
 where false;

select 1 / (monitoring.classify('cache_hit_ratio', 0.5, 1000000) = 'critical')::int;
select 1 / (monitoring.classify('cache_hit_ratio', 0.5, 1) = 'ok')::int;
select 1 / (monitoring.worst_severity('info', 'critical', 'ok') = 'critical')::int;

rollback;
