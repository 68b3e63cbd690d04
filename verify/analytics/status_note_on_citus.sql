-- Verify platform:analytics/status_note_on_citus on pg

begin;

select 1 / (position('internal.set_status_note' in pg_catalog.pg_get_functiondef('analytics.set_issue_status(uuid,uuid,text,text)'::regprocedure)) > 0)::integer;

rollback;
