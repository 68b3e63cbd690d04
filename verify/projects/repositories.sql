-- Verify platform:projects/repositories on pg

begin;

select organization_id, id, provider, full_name, name, clone_url, default_branch, visibility,
       primary_language, description, analysis_config, metadata, last_analyzed_at, created_at,
       updated_at
  from projects.repositories
 where false;

select 1 / projects.is_valid_branch_name('feature/x-1')::int;
select 1 / (not projects.is_valid_branch_name('bad..name'))::int;
select 1 / projects.validate_analysis_config('{"tools": ["eslint"], "schedule": "daily"}')::int;
select 1 / (not pg_catalog.has_column_privilege('authenticated', 'projects.repositories', 'last_analyzed_at', 'update'))::int;

select 1 / (count(*) = 3)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'projects.repositories'::regclass and tgname like '\_900\_audit\_%';

rollback;
