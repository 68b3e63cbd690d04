-- Revert platform:events/fill_source_tables from pg

begin;

drop trigger _300_fill_source_table on events.events;
drop function events.tg_events__fill_source_table();

commit;
