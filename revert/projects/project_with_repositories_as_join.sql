-- Revert platform:projects/project_with_repositories_as_join from pg
-- Back to the LATERAL aggregate per project.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace view projects.project_with_repositories
with (security_invoker = true)
as
select p.organization_id,
       p.id,
       p.name,
       p.slug,
       p.description,
       p.status,
       p.priority,
       p.owner_id,
       p.goals,
       p.start_date,
       p.target_date,
       p.status_changed_at,
       p.created_at,
       p.updated_at,
       r.repository_count,
       coalesce(r.repository_names, '{}') as repository_names,
       coalesce(r.repositories, '[]')     as repositories
  from projects.projects as p
 cross join lateral (
       select count(*) as repository_count,
              array_agg(repo.name order by pr.role = 'primary' desc, repo.full_name) as repository_names,
              jsonb_agg(jsonb_build_object(
                          'repository_id',    repo.id,
                          'full_name',        repo.full_name,
                          'name',             repo.name,
                          'provider',         repo.provider,
                          'role',             pr.role,
                          'default_branch',   repo.default_branch,
                          'clone_url',        repo.clone_url,
                          'visibility',       repo.visibility,
                          'last_analyzed_at', repo.last_analyzed_at)
                        order by pr.role = 'primary' desc, repo.full_name) as repositories
         from projects.project_repositories as pr
         join projects.repositories as repo
           on repo.organization_id = pr.organization_id and repo.id = pr.repository_id
        where pr.organization_id = p.organization_id
          and pr.project_id = p.id) as r
 where p.deleted_at is null;

commit;
