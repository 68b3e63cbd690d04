-- Verify platform:monitoring/partition_health on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.partition_health
 where false;

-- base.audit_log is maintained from the start: its checks are present.
select 1 / count(*) from monitoring.partition_health
 where object_name = 'base.audit_log' and check_name = 'future_partitions_ready';

rollback;
