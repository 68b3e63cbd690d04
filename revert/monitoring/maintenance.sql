-- Revert platform:monitoring/maintenance from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.maintenance_job_status';
drop view monitoring.maintenance_job_status;
drop function monitoring.maintenance_job_rows();
drop function monitoring.run_maintenance(text);
delete from base.partition_config where parent_table = 'monitoring.maintenance_runs';
drop table monitoring.maintenance_runs;
drop table monitoring.maintenance_jobs;

commit;
