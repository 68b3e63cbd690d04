-- Verify platform:monitoring/schedule_with_pg_cron on pg

begin;

select 'monitoring.schedule_with_pg_cron(text, text)'::regprocedure;
select 'monitoring.unschedule_pg_cron(text)'::regprocedure;

rollback;
