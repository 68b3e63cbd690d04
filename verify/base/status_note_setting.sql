-- Verify platform:base/status_note_setting on pg

begin;

select internal.set_status_note('projects.status_note', 'verify');
select 1 / (pg_catalog.current_setting('projects.status_note') = 'verify')::integer;

rollback;
