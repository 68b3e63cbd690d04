-- Revert platform:events/event_types from pg

begin;

drop function events.effective_event_type(uuid, text, text);
drop table events.event_types;
drop function events.payload_required_keys(jsonb);

commit;
