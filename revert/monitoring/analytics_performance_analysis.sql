-- Revert platform:monitoring/analytics_performance_analysis from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.analytics_performance_analysis';
drop view monitoring.analytics_performance_analysis;
delete from monitoring.alert_thresholds
 where check_name in ('analysis_queue_depth', 'analysis_oldest_queued_age', 'analysis_running_too_long', 'analysis_failure_rate');

commit;
