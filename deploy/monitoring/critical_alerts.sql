-- Deploy platform:monitoring/critical_alerts to pg
-- The views a DBA opens first. All are built from monitoring.collect_findings(), that is from
-- every source registered in monitoring.finding_sources, so a module's checks join them the
-- moment the module registers its view:
--   critical_alerts                           every finding at warning or critical
--   maintenance_recommendations               info and above in the maintenance categories
--                                             (vacuum, statistics, bloat, wraparound,
--                                             partitioning, capacity, maintenance, replication,
--                                             retention)
--   performance_optimization_recommendations  info and above in the performance categories
--                                             (indexing, queries, caching, configuration,
--                                             connections, observability, queues)
-- (retention and queues are for the modules' checks: purges running late, work queues.)
--   database_health_summary                   one row: the database at a glance and its alert counts

begin;

create view monitoring.critical_alerts as
select f.severity, f.area, f.category, f.check_name, f.object_name, f.value, f.details, f.recommended_action,
       f.source_view
  from monitoring.collect_findings(null, 'warning') as f
 order by monitoring.severity_rank(f.severity) desc, f.area, f.category, f.check_name, f.object_name;

comment on view monitoring.critical_alerts is
  'Every finding at warning or critical from every registered source (health, performance, integrity, quality, maintenance), most severe first, with the action to take. Thresholds: monitoring.alert_thresholds; sources: monitoring.finding_sources.';

create view monitoring.maintenance_recommendations as
select f.severity, f.category, f.check_name, f.object_name, f.recommended_action, f.details, f.value, f.source_view
  from monitoring.collect_findings(null, 'info') as f
 where f.category in ('vacuum', 'statistics', 'bloat', 'wraparound', 'partitioning', 'capacity', 'maintenance', 'replication',
                      'retention')
 order by monitoring.severity_rank(f.severity) desc, f.category, f.check_name, f.object_name;

comment on view monitoring.maintenance_recommendations is
  'Maintenance to do (info and above): VACUUM and ANALYZE, bloat rebuilds, freezing, partitions, sequences, failing or stale jobs, replication slots, overdue purges (categories vacuum, statistics, bloat, wraparound, partitioning, capacity, maintenance, replication, retention); most severe first, each with the statement to run.';

create view monitoring.performance_optimization_recommendations as
select f.severity, f.category, f.check_name, f.object_name, f.recommended_action, f.details, f.value, f.source_view
  from monitoring.collect_findings(null, 'info') as f
 where f.category in ('indexing', 'queries', 'caching', 'configuration', 'connections', 'observability', 'queues')
 order by monitoring.severity_rank(f.severity) desc, f.category, f.check_name, f.object_name;

comment on view monitoring.performance_optimization_recommendations is
  'Performance work to consider (info and above), by category: indexing (unused, duplicate, missing FK indexes, sequential scans), queries, caching, configuration, connections, observability, queues (module work queues); most severe first.';

create view monitoring.database_health_summary as
with findings as (
  select f.severity, f.details, f.check_name, f.object_name, f.recommended_action
    from monitoring.collect_findings(null, 'info') as f
),
counts as (
  select count(*) filter (where f.severity = 'critical') as critical_alerts,
         count(*) filter (where f.severity = 'warning') as warning_alerts,
         count(*) filter (where f.severity = 'info') as info_findings,
         monitoring.worst_severity(variadic array_agg(f.severity)) as overall_severity
    from findings as f
),
worst as (
  select f.check_name, f.object_name, f.details, f.recommended_action
    from findings as f
   order by monitoring.severity_rank(f.severity) desc, f.check_name, f.object_name
   limit 1
),
db as (
  select d.xact_commit, d.xact_rollback, d.blks_hit, d.blks_read, d.deadlocks, d.temp_bytes, d.stats_reset,
         pg_catalog.age(dd.datfrozenxid) as xid_age
    from pg_catalog.pg_stat_database as d
    join pg_catalog.pg_database as dd on dd.oid = d.datid
   where d.datname = current_database()
),
conn as (
  select count(*) filter (where a.backend_type = 'client backend') as clients,
         count(*) filter (where a.backend_type = 'client backend' and a.datname = current_database()) as clients_here
    from pg_catalog.pg_stat_activity as a
),
jobs as (
  select max(r.started_at) filter (where r.status = 'succeeded') as last_success,
         count(*) filter (where r.status = 'failed' and r.started_at > now() - interval '24 hours') as failures_24h
    from monitoring.maintenance_runs as r
   where r.started_at > now() - interval '31 days'
)
select current_database()::text as database_name,
       current_setting('server_version') as server_version,
       pg_catalog.pg_postmaster_start_time() as server_started_at,
       date_trunc('second', now() - pg_catalog.pg_postmaster_start_time()) as uptime,
       pg_catalog.pg_database_size(current_database()) as database_size_bytes,
       pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(current_database())) as database_size,
       conn.clients as client_connections,
       conn.clients_here as client_connections_this_database,
       current_setting('max_connections')::integer as max_connections,
       round(db.blks_hit::numeric / nullif(db.blks_hit + db.blks_read, 0), 4) as cache_hit_ratio,
       round(db.xact_commit::numeric / nullif(db.xact_commit + db.xact_rollback, 0), 4) as commit_ratio,
       db.deadlocks,
       db.temp_bytes,
       round(db.xid_age / 2147483648.0, 4) as xid_wraparound_ratio,
       db.stats_reset,
       jobs.last_success as last_maintenance_success,
       jobs.failures_24h as maintenance_failures_last_24h,
       counts.critical_alerts,
       counts.warning_alerts,
       counts.info_findings,
       counts.overall_severity,
       case when worst.check_name is null then 'no finding'
            else format('%s on %s: %s', worst.check_name, worst.object_name, worst.details) end as top_finding,
       case when counts.overall_severity in ('critical', 'warning')
            then 'select * from monitoring.critical_alerts;  -- then act on each row''s recommended_action'
            when counts.overall_severity = 'info'
            then 'Nothing urgent; see monitoring.maintenance_recommendations and monitoring.performance_optimization_recommendations.'
            else 'No action needed.' end as recommended_action
  from db cross join conn cross join counts cross join jobs
  left join worst on true;

comment on view monitoring.database_health_summary is
  'One row: the database at a glance (version, uptime, size, connections, cache hit and commit ratios, deadlocks, temporary bytes, wraparound, last maintenance success) with the number of critical, warning and info findings, the overall severity and the top finding.';

grant select on monitoring.critical_alerts, monitoring.maintenance_recommendations,
                monitoring.performance_optimization_recommendations, monitoring.database_health_summary
  to platform_monitor, service_role;

commit;
