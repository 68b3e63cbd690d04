-- Structure and privileges of the monitoring module: the objects exist, the read-only role can
-- read every view (and nothing else can), writes and the runner are reserved, every registered
-- finding source honours the finding contract.
begin;
select plan(64);

select has_schema('monitoring', 'the monitoring schema exists');

select views_are('monitoring', array[
  'system_health', 'database_resource_utilization', 'settings_review', 'long_running_queries', 'lock_waits',
  'slow_query_analysis', 'index_usage_analysis', 'table_access_patterns', 'table_findings', 'bloat_estimates',
  'sequence_usage', 'partition_health', 'base_integrity_checks', 'data_quality_metrics', 'data_integrity_checks',
  'maintenance_job_status', 'critical_alerts', 'maintenance_recommendations',
  'performance_optimization_recommendations', 'database_health_summary', 'analytics_performance_analysis', 'events_performance_analysis', 'tasks_performance_analysis'],
  'monitoring has exactly the expected views');

select functions_are('monitoring', array[
  'severity_rank', 'worst_severity', 'severity', 'classify', 'collect_findings', 'slow_queries', 'estimate_bloat',
  'sequence_status', 'partition_status', 'column_statistics', 'run_maintenance', 'schedule_with_pg_cron',
  'unschedule_pg_cron', 'index_usage_rows', 'data_quality_rows', 'maintenance_job_rows', 'checkpoint_counts'],
  'monitoring has exactly the expected functions');

select has_table('monitoring', 'alert_thresholds', 'thresholds are a table (data, not code)');
select has_table('monitoring', 'finding_sources', 'the finding source registry exists');
select has_table('monitoring', 'maintenance_jobs', 'the maintenance job registry exists');
select has_table('monitoring', 'maintenance_runs', 'the maintenance run history exists');
select is_partitioned('monitoring', 'maintenance_runs', 'the run history is partitioned');
select is((select granularity || ' ' || retention::text from base.partition_config where parent_table = 'monitoring.maintenance_runs'),
          'month 3 mons', 'the run history is maintained monthly and kept three months');

select col_is_pk('monitoring', 'alert_thresholds', 'check_name', 'alert_thresholds is keyed by check_name');
select col_is_pk('monitoring', 'finding_sources', 'source_view', 'finding_sources is keyed by source_view');
select col_is_pk('monitoring', 'maintenance_jobs', 'job_name', 'maintenance_jobs is keyed by job_name');
select col_is_pk('monitoring', 'maintenance_runs', array['id', 'started_at'], 'maintenance_runs is keyed by id and its partition key');
select fk_ok('monitoring', 'maintenance_runs', 'job_name', 'monitoring', 'maintenance_jobs', 'job_name',
             'every run belongs to a registered job');

select policies_are('monitoring', 'alert_thresholds', array['select_platform_monitor', 'all_service_role'], 'alert_thresholds policies');
select policies_are('monitoring', 'finding_sources', array['select_platform_monitor', 'all_service_role'], 'finding_sources policies');
select policies_are('monitoring', 'maintenance_jobs', array['select_platform_monitor', 'all_service_role'], 'maintenance_jobs policies');
select policies_are('monitoring', 'maintenance_runs', array['select_platform_monitor', 'all_service_role'], 'maintenance_runs policies');

-- Privileges, checked over every relation of the schema so a later view is held to them too.
create temporary view monitoring_relations as
select c.oid, c.oid::regclass::text as name, c.relkind
  from pg_catalog.pg_class as c
 where c.relnamespace = 'monitoring'::regnamespace and c.relkind in ('r', 'p', 'v') and not c.relispartition;

select is(array(select name from monitoring_relations where not has_table_privilege('platform_monitor', oid, 'select') order by 1),
          '{}'::text[], 'platform_monitor may read every view and table of monitoring');
select is(array(select name from monitoring_relations where not has_table_privilege('service_role', oid, 'select') order by 1),
          '{}'::text[], 'service_role may read every view and table of monitoring');
select is(array(select name from monitoring_relations
                 where has_table_privilege('platform_monitor', oid, 'insert, update, delete, truncate') order by 1),
          '{}'::text[], 'platform_monitor writes nothing: it is read-only');
select is(array(select name from monitoring_relations
                 where has_table_privilege('authenticated', oid, 'select, insert, update, delete')
                    or has_table_privilege('anon', oid, 'select, insert, update, delete') order by 1),
          '{}'::text[], 'authenticated and anon see nothing in monitoring');
select ok(not has_schema_privilege('authenticated', 'monitoring', 'usage') and not has_schema_privilege('anon', 'monitoring', 'usage'),
          'authenticated and anon cannot even use the schema');
select is(array(select name from monitoring_relations
                 where relkind in ('r', 'p') and has_table_privilege('service_role', oid, 'insert, delete, truncate') order by 1),
          '{}'::text[], 'service_role cannot add or remove thresholds, sources, jobs or runs');
select ok(has_column_privilege('service_role', 'monitoring.alert_thresholds', 'warning_threshold', 'update')
          and not has_column_privilege('service_role', 'monitoring.alert_thresholds', 'check_name', 'update'),
          'service_role may tune a threshold but not rename a check');
select ok(has_column_privilege('service_role', 'monitoring.maintenance_jobs', 'is_enabled', 'update')
          and not has_column_privilege('service_role', 'monitoring.maintenance_jobs', 'function_name', 'update'),
          'service_role may pause a job but not point it at another function');

select ok(has_function_privilege('service_role', 'monitoring.run_maintenance(text)', 'execute'),
         'service_role runs the maintenance');
select ok(not has_function_privilege('platform_monitor', 'monitoring.run_maintenance(text)', 'execute')
          and not has_function_privilege('authenticated', 'monitoring.run_maintenance(text)', 'execute'),
         'the read-only role and end users cannot run the maintenance');
select ok(not has_function_privilege('service_role', 'monitoring.schedule_with_pg_cron(text, text)', 'execute')
          and not has_function_privilege('platform_monitor', 'monitoring.schedule_with_pg_cron(text, text)', 'execute'),
         'only the owner schedules jobs');
select ok(has_function_privilege('platform_monitor', 'monitoring.collect_findings(text, text)', 'execute'),
         'platform_monitor may collect findings');

select is_definer('monitoring', 'run_maintenance', array['text'], 'run_maintenance runs as the owner');
select is_definer('monitoring', 'estimate_bloat', array['numeric'], 'estimate_bloat reads pg_stats as the owner');
select is_definer('monitoring', 'sequence_status', array[]::text[], 'sequence_status reads positions as the owner');
select is_definer('monitoring', 'partition_status', array[]::text[], 'partition_status counts DEFAULT partitions as the owner');
select is_definer('monitoring', 'column_statistics', array[]::text[], 'column_statistics reads pg_stats as the owner');
select isnt_definer('monitoring', 'collect_findings', array['text', 'text'], 'collect_findings runs with the caller''s rights');
select isnt_definer('monitoring', 'slow_queries', array['integer'], 'slow_queries shows only the statements the caller may see');
select volatility_is('monitoring', 'severity', array['monitoring.alert_thresholds', 'numeric', 'numeric'], 'immutable',
                     'severity() is immutable, so views inline it');
select volatility_is('monitoring', 'run_maintenance', array['text'], 'volatile', 'run_maintenance is volatile');

select ok((select not rolcanlogin from pg_catalog.pg_roles where rolname = 'platform_monitor'),
          'platform_monitor exists and cannot log in by itself');

-- Every registered source exists and honours the finding contract.
select is(array(select source_view || ': ' || details
                  from monitoring.collect_findings(null, 'info')
                 where check_name in ('finding_source_missing', 'finding_source_failed')),
          '{}'::text[], 'every registered finding source exists and exposes the finding columns');
select is(array(select distinct severity from monitoring.collect_findings(null, 'ok')
                 where monitoring.severity_rank(severity) is null),
          '{}'::text[], 'every finding has a severity among ok, info, warning, critical');
select is(array(select distinct source_view || '.' || check_name from monitoring.collect_findings(null, 'info')
                 where coalesce(recommended_action, '') = '' or recommended_action = 'No action needed.'),
          '{}'::text[], 'every finding that is not ok carries a recommended action');

-- The read-only role reads every view without a permission error.
set local role platform_monitor;
select lives_ok('select * from monitoring.system_health', 'platform_monitor reads system_health');
select lives_ok('select * from monitoring.database_resource_utilization', 'platform_monitor reads database_resource_utilization');
select lives_ok('select * from monitoring.settings_review', 'platform_monitor reads settings_review');
select lives_ok('select * from monitoring.long_running_queries', 'platform_monitor reads long_running_queries');
select lives_ok('select * from monitoring.lock_waits', 'platform_monitor reads lock_waits');
select lives_ok('select * from monitoring.slow_query_analysis', 'platform_monitor reads slow_query_analysis');
select lives_ok('select * from monitoring.index_usage_analysis', 'platform_monitor reads index_usage_analysis');
select lives_ok('select * from monitoring.table_access_patterns', 'platform_monitor reads table_access_patterns');
select lives_ok('select * from monitoring.table_findings', 'platform_monitor reads table_findings');
select lives_ok('select * from monitoring.bloat_estimates', 'platform_monitor reads bloat_estimates');
select lives_ok('select * from monitoring.sequence_usage', 'platform_monitor reads sequence_usage');
select lives_ok('select * from monitoring.partition_health', 'platform_monitor reads partition_health');
select lives_ok('select * from monitoring.base_integrity_checks', 'platform_monitor reads base_integrity_checks');
select lives_ok('select * from monitoring.data_quality_metrics', 'platform_monitor reads data_quality_metrics');
select lives_ok('select * from monitoring.data_integrity_checks', 'platform_monitor reads data_integrity_checks');
select lives_ok('select * from monitoring.maintenance_job_status', 'platform_monitor reads maintenance_job_status');
select lives_ok('select * from monitoring.critical_alerts', 'platform_monitor reads critical_alerts');
select lives_ok('select * from monitoring.maintenance_recommendations', 'platform_monitor reads maintenance_recommendations');
select lives_ok('select * from monitoring.performance_optimization_recommendations', 'platform_monitor reads performance_optimization_recommendations');
select lives_ok('select * from monitoring.database_health_summary', 'platform_monitor reads database_health_summary');
-- collect_findings turns a source that fails into a finding instead of an error: make sure no
-- source fails for lack of a privilege when the read-only role asks.
select is(array(select source_view || ': ' || details
                  from monitoring.collect_findings(null, 'info')
                 where check_name in ('finding_source_missing', 'finding_source_failed')),
          '{}'::text[], 'every finding source is readable by platform_monitor');
reset role;

select * from finish();
rollback;
