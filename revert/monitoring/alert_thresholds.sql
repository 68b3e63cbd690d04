-- Revert platform:monitoring/alert_thresholds from pg

begin;

revoke execute on function base.refuse_oversized(text, bigint, bigint) from platform_monitor;
revoke usage on schema base from platform_monitor;
drop function monitoring.classify(text, numeric, numeric);
drop function monitoring.severity(monitoring.alert_thresholds, numeric, numeric);
drop function monitoring.worst_severity(text[]);
drop function monitoring.severity_rank(text);
drop table monitoring.alert_thresholds;

commit;
