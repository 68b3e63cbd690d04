-- Verify platform:monitoring/data_integrity_checks on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, source_view
  from monitoring.data_integrity_checks
 where false;

select 1 / count(*) from monitoring.data_integrity_checks where source_view = 'monitoring.partition_health';

rollback;
