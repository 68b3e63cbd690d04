-- Verify platform:projects/project_lifecycle on pg

begin;

select 1 / (projects.allowed_project_transitions('active') = array['on_hold', 'completed', 'cancelled'])::int;
select 1 / (cardinality(projects.allowed_project_transitions('archived')) = 0)::int;
select 'projects.transition_project(uuid, uuid, text, text)'::regprocedure;

select 1 / (count(*) = 3)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'projects.projects'::regclass
   and tgname in ('_200_guard_status', '_800_record_status_insert', '_800_record_status_update');

rollback;
