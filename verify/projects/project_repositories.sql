-- Verify platform:projects/project_repositories on pg

begin;

select organization_id, id, project_id, repository_id, role, created_at, updated_at
  from projects.project_repositories
 where false;

-- Both links are composite: one organization_id for the project and the repository.
select 1 / (count(*) = 2)::int
  from pg_catalog.pg_constraint
 where conrelid = 'projects.project_repositories'::regclass and contype = 'f' and cardinality(conkey) = 2;

rollback;
