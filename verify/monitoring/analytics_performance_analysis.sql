-- Verify platform:monitoring/analytics_performance_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.analytics_performance_analysis
 where false;

select 1 / (count(*) = 4)::int from monitoring.analytics_performance_analysis;

rollback;
