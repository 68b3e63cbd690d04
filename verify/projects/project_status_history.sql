-- Verify platform:projects/project_status_history on pg

begin;

select organization_id, id, project_id, from_status, to_status, changed_by, changed_at, note
  from projects.project_status_history
 where false;

select 1 / (not pg_catalog.has_table_privilege('authenticated', 'projects.project_status_history', 'insert'))::int;

rollback;
