-- Verify platform:events/ingest on pg

begin;

select 'events.validate_event(uuid, text, text, jsonb, text)'::regprocedure;
select 'events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb)'::regprocedure;
select 'events.ingest_events(uuid, jsonb)'::regprocedure;

-- Ingest notifies the routers.
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb)'::regprocedure
   and prosrc like '%pg_notify(''events_pending''%';

rollback;
