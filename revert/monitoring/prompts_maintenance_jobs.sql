-- Revert platform:monitoring/prompts_maintenance_jobs from pg

begin;

delete from monitoring.maintenance_jobs where job_name = 'prompts.cleanup_expired_context_data';

commit;
