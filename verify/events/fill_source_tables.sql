-- Verify platform:events/fill_source_tables on pg

begin;

select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'events.events'::regclass and tgname = '_300_fill_source_table';

rollback;
