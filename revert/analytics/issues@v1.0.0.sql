-- Revert platform:analytics/issues from pg

begin;

drop table analytics.issues;
drop function internal.tg_issues__guard_status();
drop function analytics.allowed_issue_transitions(text);

commit;
