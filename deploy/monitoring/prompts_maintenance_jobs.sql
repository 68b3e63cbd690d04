-- Deploy platform:monitoring/prompts_maintenance_jobs to pg
-- The prompts module's routine for the maintenance entry point: expired context entries are
-- never served (get_context checks expires_at), this only reclaims their space.

begin;

insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description)
values ('prompts.cleanup_expired_context_data', 'prompts.cleanup_expired_context_data', '', interval '1 hour',
        'Deletes cached context entries past expires_at.')
on conflict (job_name) do nothing;

commit;
