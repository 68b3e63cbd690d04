-- Verify platform:events/event_subscriptions on pg

begin;

select organization_id, id, name, description, source, event_type_pattern, event_type_like, payload_filter,
       target_kind, target, target_config, is_active, max_attempts, backoff_base_seconds,
       backoff_cap_seconds, lease_seconds, created_by, created_at, updated_at
  from events.event_subscriptions
 where false;

select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'events.event_subscriptions'::regclass and tgname = '_900_audit_update';

rollback;
