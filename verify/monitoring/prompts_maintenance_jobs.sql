-- Verify platform:monitoring/prompts_maintenance_jobs on pg

begin;

select 1 / count(*) from monitoring.maintenance_jobs where job_name = 'prompts.cleanup_expired_context_data';

rollback;
