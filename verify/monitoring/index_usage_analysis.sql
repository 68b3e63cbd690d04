-- Verify platform:monitoring/index_usage_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, schema_name,
       table_name, index_name, index_size_bytes, index_scans, table_writes, definition
  from monitoring.index_usage_analysis
 where false;

rollback;
