-- Verify platform:monitoring/system_health on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.system_health
 where false;

select category, check_name, object_name, severity, value, used, capacity, unit, details, recommended_action
  from monitoring.database_resource_utilization
 where false;

-- The checkpoint counts answer on this server version (pg_stat_checkpointer from 17 on).
select 1 / count(*) from monitoring.checkpoint_counts() where checkpoints_timed is not null;

-- Every health check answers, ok or not.
select 1 / (count(*) = 11)::int from monitoring.system_health;

rollback;
