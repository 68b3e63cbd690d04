-- Verify platform:monitoring/sequence_usage on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, sequence_name,
       data_type, last_value, increment_by, limit_value, is_cycle, owned_by_column, column_type, used_ratio
  from monitoring.sequence_usage
 where false;

rollback;
