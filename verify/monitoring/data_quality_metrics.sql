-- Verify platform:monitoring/data_quality_metrics on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.data_quality_metrics
 where false;

select 1 / count(*) from monitoring.data_quality_metrics
 where check_name = 'table_rows' and object_name = 'base.organizations';

rollback;
