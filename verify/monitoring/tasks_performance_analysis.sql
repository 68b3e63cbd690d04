-- Verify platform:monitoring/tasks_performance_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.tasks_performance_analysis
 where false;

select 1 / (count(*) = 6)::int from monitoring.tasks_performance_analysis;

rollback;
