-- Verify platform:projects/status_note_on_citus on pg

begin;

select 1 / (position('internal.set_status_note' in pg_catalog.pg_get_functiondef('projects.transition_project(uuid,uuid,text,text)'::regprocedure)) > 0)::integer;

rollback;
