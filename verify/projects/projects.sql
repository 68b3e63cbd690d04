-- Verify platform:projects/projects on pg

begin;

select organization_id, id, name, slug, description, status, priority, owner_id, goals,
       start_date, target_date, metadata, status_changed_at, completed_at, deleted_at,
       created_at, updated_at
  from projects.projects
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'projects.projects'::regclass;
select 1 / projects.validate_goals('[{"text": "Ship", "target_date": "2027-01-31", "done": false}]')::int;

select 1 / (count(*) = 3)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'projects.projects'::regclass and tgname like '\_900\_audit\_%';

rollback;
