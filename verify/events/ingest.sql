-- Verify platform:events/ingest on pg

begin;

select 'events.validate_event(uuid, text, text, jsonb, text)'::regprocedure;
select 'events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb)'::regprocedure;
select 'events.ingest_events(uuid, jsonb)'::regprocedure;

-- Ingest notifies the routers.
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb)'::regprocedure
   and prosrc like '%pg_notify(''events_pending''%';

-- ingest_event and ingest_events read the event type with their own query (reworked after v1.0.0).
select 1 / (count(*) = 2)::int from pg_catalog.pg_proc
 where oid in ('events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb)'::regprocedure,
               'events.ingest_events(uuid, jsonb)'::regprocedure)
   and prosrc not like '%effective_event_type(%'
   and proconfig @> array['search_path=pg_catalog, pg_temp'];

rollback;
