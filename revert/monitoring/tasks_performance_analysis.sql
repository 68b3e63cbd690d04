-- Revert platform:monitoring/tasks_performance_analysis from pg

begin;

delete from monitoring.maintenance_jobs where job_name = 'tasks.recover_expired_leases';
delete from monitoring.finding_sources where source_view = 'monitoring.tasks_performance_analysis';
drop view monitoring.tasks_performance_analysis;
delete from monitoring.alert_thresholds
 where check_name in ('task_queue_depth', 'task_oldest_ready_age', 'task_throughput', 'task_failure_rate',
                      'task_stuck_leases', 'task_dead_letters');
drop index tasks.task_history_finished_at_brin;

commit;
