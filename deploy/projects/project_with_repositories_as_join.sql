-- Deploy platform:projects/project_with_repositories_as_join to pg
-- project_with_repositories joins the projects to their repositories grouped by project, instead of
-- a LATERAL aggregate per project: Citus cannot tell that a correlated LATERAL subquery stays on the
-- tenant's shard, and ran `... where organization_id = $1` over every shard (Task Count 8). As a
-- join on (organization_id, project_id), the filter on organization_id reaches both sides, so on
-- Citus it is a router query on one shard; on one node PostgreSQL pushes the same filter (or one on
-- id) into the grouped side. Same columns, same rows: a project without repositories still has
-- repository_count 0 and empty arrays.

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
       coalesce(r.repository_count, 0) as repository_count,
       coalesce(r.repository_names, '{}') as repository_names,
       coalesce(r.repositories, '[]')     as repositories
  from projects.projects as p
 left join (
       select pr.organization_id,
              pr.project_id,
              count(*) as repository_count,
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
        group by pr.organization_id, pr.project_id) as r
   on r.organization_id = p.organization_id and r.project_id = p.id
 where p.deleted_at is null;

commit;
