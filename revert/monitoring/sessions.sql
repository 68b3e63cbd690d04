-- Revert platform:monitoring/sessions from pg

begin;

drop view monitoring.lock_waits;
drop view monitoring.long_running_queries;

commit;
