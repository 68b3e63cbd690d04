-- Verify platform:analytics/issue_status_history on pg

begin;

select organization_id, id, issue_id, from_status, to_status, reason, run_id, changed_by, note, changed_at
  from analytics.issue_status_history
 where false;

select 'analytics.set_issue_status(uuid, uuid, text, text)'::regprocedure;
select 1 / (count(*) = 2)::int from pg_catalog.pg_trigger
 where tgrelid = 'analytics.issues'::regclass and tgname like '\_800\_record\_status\_%';

rollback;
