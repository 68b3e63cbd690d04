-- Revert platform:events/ingest from pg

begin;

drop function events.ingest_events(uuid, jsonb);
drop function events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb);
drop function events.validate_event(uuid, text, text, jsonb, text);

commit;
