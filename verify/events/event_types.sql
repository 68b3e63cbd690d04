-- Verify platform:events/event_types on pg

begin;

select organization_id, id, source, name, description, payload_schema, required_keys, max_attempts,
       backoff_base_seconds, backoff_cap_seconds, retention, is_active, created_at, updated_at
  from events.event_types
 where false;

-- The built-in types of the four sources are present.
select 1 / (count(distinct source) = 4)::int
  from events.event_types
 where organization_id is null and source in ('github', 'linear', 'slack', 'deployment');

select 'events.effective_event_type(uuid, text, text)'::regprocedure;

select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'events.event_types'::regclass and tgname = '_900_audit_update';

rollback;
