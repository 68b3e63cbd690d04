-- monitoring/report.sql: the database's health on one terminal page or three.
--
--   psql -X -f monitoring/report.sql "$DATABASE_URL"
--   (embedded cluster: source scripts/dbenv.sh first, then psql -X -f monitoring/report.sql)
--
-- Read-only: it only selects from the monitoring views. Run it as platform_monitor (or any role
-- with pg_monitor) to see every session; as another role, other roles' sessions are hidden.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
\pset null '-'
\pset border 1
\pset linestyle unicode
set application_name = 'monitoring/report.sql';
set statement_timeout = '60s';

select exists (select from pg_catalog.pg_namespace where nspname = 'monitoring') as has_monitoring \gset
\if :has_monitoring
\else
  \echo 'The monitoring module is not deployed in this database (sqitch deploy, or make deploy).'
  \quit
\endif

\echo
\echo '════ Summary ═══════════════════════════════════════════════════════════════'
\x on
select database_name as "database", server_version as "version", uptime, database_size as "size",
       client_connections || ' of ' || max_connections as "connections",
       cache_hit_ratio as "cache hit ratio", commit_ratio as "commit ratio", deadlocks,
       xid_wraparound_ratio as "xid wraparound (of 2^31)",
       coalesce(last_maintenance_success::text, 'never') as "last maintenance success",
       upper(overall_severity) as "overall",
       critical_alerts as "critical", warning_alerts as "warnings", info_findings as "info",
       top_finding as "top finding", recommended_action as "next step"
  from monitoring.database_health_summary;
\x off

\echo
\echo '════ Alerts: warning and critical (monitoring.critical_alerts) ═══════════════'
select upper(severity) as severity, category, check_name as "check", object_name as "object",
       left(details, 90) as details, left(recommended_action, 90) as "do this"
  from monitoring.critical_alerts;

\echo
\echo '════ Health checks (monitoring.system_health) ═══════════════════════════════'
select severity, check_name as "check", object_name as "object", value, left(details, 100) as details
  from monitoring.system_health;

\echo
\echo '════ Capacity (monitoring.database_resource_utilization) ════════════════════'
select severity, check_name as "check", object_name as "object", used, capacity, unit, left(details, 90) as details
  from monitoring.database_resource_utilization;

\echo
\echo '════ Maintenance jobs (monitoring.maintenance_job_status) ═══════════════════'
select severity, object_name as job, run_interval as every, case when is_enabled then 'yes' else 'no' end as enabled,
       coalesce(last_status, 'never run') as last, date_trunc('second', last_started_at) as last_started,
       last_duration, consecutive_failures as "failing runs", date_trunc('second', next_due_at) as next_due
  from monitoring.maintenance_job_status
 order by monitoring.severity_rank(severity) desc, object_name;

\echo
\echo '════ Top 10 statements by total time (monitoring.slow_query_analysis) ═══════'
select severity, calls, round(total_exec_ms) as total_ms, round(mean_exec_ms, 1) as mean_ms,
       round(100 * share_of_total_time, 1) as "% time", cache_hit_ratio as "hit ratio",
       coalesce(left(regexp_replace(query, '\s+', ' ', 'g'), 80), details) as statement
  from monitoring.slow_query_analysis
 limit 10;

\echo
\echo '════ Index findings (monitoring.index_usage_analysis), top 20 ═══════════════'
select severity, check_name as "check", object_name as "object", pg_size_pretty(index_size_bytes) as size,
       index_scans as scans, left(recommended_action, 90) as "do this"
  from monitoring.index_usage_analysis
 order by monitoring.severity_rank(severity) desc, index_size_bytes desc nulls last
 limit 20;

\echo
\echo '════ Tables needing attention (monitoring.table_access_patterns), top 20 ════'
select severity, object_name as "table", n_live_tup as live, n_dead_tup as dead, seq_scan, idx_scan,
       date_trunc('second', last_vacuum) as last_vacuum, date_trunc('second', last_analyze) as last_analyze,
       left(details, 70) as findings
  from monitoring.table_access_patterns
 where severity <> 'ok'
 order by monitoring.severity_rank(severity) desc, n_dead_tup desc
 limit 20;

\echo
\echo '════ Largest estimated bloat (monitoring.bloat_estimates), top 10 ═══════════'
select severity, relation_kind as kind, object_name as "object", pg_size_pretty(real_size_bytes) as size,
       pg_size_pretty(bloat_bytes) as bloat, bloat_percent as "bloat %",
       case when is_reliable then '' else 'run ANALYZE' end as note
  from monitoring.bloat_estimates
 where bloat_bytes > 0
 order by bloat_bytes desc
 limit 10;

\echo
\echo '════ Integrity (monitoring.data_integrity_checks): everything not ok ════════'
select severity, check_name as "check", object_name as "object", left(details, 90) as details
  from monitoring.data_integrity_checks
 where severity <> 'ok'
 order by monitoring.severity_rank(severity) desc;

\echo
\echo '════ Maintenance to do (monitoring.maintenance_recommendations), top 20 ══════'
select severity, category, object_name as "object", left(recommended_action, 110) as "do this"
  from monitoring.maintenance_recommendations
 limit 20;

\echo
\echo '════ Performance to consider (monitoring.performance_optimization_recommendations), top 20'
select severity, category, object_name as "object", left(recommended_action, 110) as "do this"
  from monitoring.performance_optimization_recommendations
 limit 20;

\echo
\echo 'Details: select * from monitoring.<view>;  thresholds: monitoring.alert_thresholds'
