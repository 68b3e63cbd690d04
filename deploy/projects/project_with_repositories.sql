-- Deploy platform:projects/project_with_repositories to pg
-- The original design's "project with its repositories" query, as one view:
--     select * from projects.project_with_repositories where organization_id = $1;
-- One statement, index-driven, never N+1: the live projects come from a partial index on
-- (organization_id, ...) where deleted_at is null, and each project's repositories from one
-- LATERAL aggregate over the link's unique key (organization_id, project_id, repository_id) and
-- the repositories' primary key.
-- security_invoker = true (PostgreSQL 15+): the view reads the tables with the caller's
-- rights, so RLS applies exactly as on the tables (a view owned by the deployer would
-- otherwise read past every policy).

begin;

create view projects.project_with_repositories
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

comment on view projects.project_with_repositories is
  'Live projects with their repositories (one index-driven query; filter on organization_id). repositories is a JSON array of {repository_id, full_name, name, provider, role, default_branch, clone_url, visibility, last_analyzed_at}, primary first. security_invoker: RLS of the caller applies.';
comment on column projects.project_with_repositories.repository_names is 'Names of the linked repositories, primary first (the original design''s array_agg(r.name)).';

grant select on projects.project_with_repositories to authenticated, service_role;

commit;
