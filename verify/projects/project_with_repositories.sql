-- Verify platform:projects/project_with_repositories on pg

begin;

select organization_id, id, name, slug, description, status, priority, owner_id, goals, start_date,
       target_date, status_changed_at, created_at, updated_at, repository_count, repository_names,
       repositories
  from projects.project_with_repositories
 where false;

select 1 / (c.reloptions @> array['security_invoker=true'])::int
  from pg_catalog.pg_class as c
 where c.oid = 'projects.project_with_repositories'::regclass;

rollback;
