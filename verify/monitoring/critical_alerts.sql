-- Verify platform:monitoring/critical_alerts on pg

begin;

select severity, area, category, check_name, object_name, value, details, recommended_action, source_view
  from monitoring.critical_alerts
 where false;

select severity, category, check_name, object_name, recommended_action, details, value, source_view
  from monitoring.maintenance_recommendations
 where false;

select severity, category, check_name, object_name, recommended_action, details, value, source_view
  from monitoring.performance_optimization_recommendations
 where false;

select database_name, server_version, server_started_at, uptime, database_size_bytes, database_size,
       client_connections, client_connections_this_database, max_connections, cache_hit_ratio,
       commit_ratio, deadlocks, temp_bytes, xid_wraparound_ratio, stats_reset, last_maintenance_success,
       maintenance_failures_last_24h, critical_alerts, warning_alerts, info_findings, overall_severity,
       top_finding, recommended_action
  from monitoring.database_health_summary
 where false;

select 1 / (count(*) = 1)::int from monitoring.database_health_summary;

rollback;
