-- Verify platform:projects/project_members on pg

begin;

select organization_id, id, project_id, user_id, role, joined_at, created_at, updated_at
  from projects.project_members
 where false;

-- Nobody is authenticated here: no project may come back.
select 1 / (cardinality(internal.led_project_ids()) = 0)::int;

rollback;
