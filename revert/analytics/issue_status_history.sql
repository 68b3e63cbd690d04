-- Revert platform:analytics/issue_status_history from pg

begin;

drop function analytics.set_issue_status(uuid, uuid, text, text);
drop trigger _800_record_status_update on analytics.issues;
drop trigger _800_record_status_insert on analytics.issues;
drop function internal.tg_issues__record_status();
drop table analytics.issue_status_history;

commit;
