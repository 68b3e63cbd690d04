-- Revert platform:monitoring/schedule_with_pg_cron from pg
-- A pg_cron job left behind would call a function that the rest of this revert removes, every
-- minute: unschedule it first (a no-op without pg_cron).

begin;

do $$ begin perform monitoring.unschedule_pg_cron(); end $$;
drop function monitoring.unschedule_pg_cron(text);
drop function monitoring.schedule_with_pg_cron(text, text);

commit;
