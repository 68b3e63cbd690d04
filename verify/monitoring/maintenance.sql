-- Verify platform:monitoring/maintenance on pg

begin;

select job_name, function_name, function_args, run_interval, is_enabled, description, created_at, updated_at
  from monitoring.maintenance_jobs
 where false;

select id, started_at, job_name, finished_at, duration, status, run_reason, rows_affected, detail,
       error_message, error_sqlstate
  from monitoring.maintenance_runs
 where false;

select category, check_name, object_name, severity, value, details, recommended_action, function_name,
       function_args, run_interval, is_enabled, function_exists, last_started_at, last_status,
       last_duration, last_rows_affected, last_error, last_success_at, consecutive_failures,
       runs_last_24h, failures_last_24h, next_due_at
  from monitoring.maintenance_job_status
 where false;

select 1 / count(*) from monitoring.maintenance_jobs where job_name = 'base.partition_maintenance';
select 1 / count(*) from base.partition_config where parent_table = 'monitoring.maintenance_runs';
select 1 / (p.prosecdef)::int from pg_catalog.pg_proc as p
 where p.oid = 'monitoring.run_maintenance(text)'::regprocedure;

rollback;
