-- Revert platform:events/event_types from pg

begin;

drop table events.event_types;
drop function events.payload_required_keys(jsonb);

commit;
