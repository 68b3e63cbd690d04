-- Verify platform:projects/project_with_repositories_as_join on pg

begin;

-- The view joins the grouped repositories; no LATERAL subquery is left.
select 1 / count(*)
  from pg_catalog.pg_views
 where schemaname = 'projects' and viewname = 'project_with_repositories'
   and definition not like '%LATERAL%' and definition like '%GROUP BY pr.organization_id, pr.project_id%';

-- (LIMIT 0 rather than WHERE false: Citus on PostgreSQL 15 and 16 plans no outer join with a
-- constant qual.)
select organization_id, id, repository_count, repository_names, repositories
  from projects.project_with_repositories
 limit 0;

rollback;
