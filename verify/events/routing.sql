-- Verify platform:events/routing on pg

begin;

select 1 / events.subscription_matches('github', 'pull_request', '{"action": "opened"}', 'github', 'pull\_%', '{"action": "opened"}')::int;
select 1 / (not events.subscription_matches('github', 'push', '{}', 'slack', '%', '{}'))::int;
select 'events.check_subscription_match(uuid, uuid)'::regprocedure;
select 'events.process_pending_events(integer)'::regprocedure;

-- route_events reads the event type with its own query (reworked after v1.0.0).
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.route_events(uuid[], uuid[], timestamptz[], uuid)'::regprocedure
   and prosrc not like '%effective_event_type(%'
   and proconfig @> array['search_path=pg_catalog, pg_temp'];

-- Bare parameter names (the exposed schemas' rule, docs/conventions.md).
select 1 / (count(*) = 2)::int from pg_catalog.pg_proc
 where (oid = 'events.route_events(uuid[], uuid[], timestamptz[], uuid)'::regprocedure
        and proargnames = array['organization_ids', 'event_ids', 'received_ats', 'subscription_id'])
    or (oid = 'events.subscription_matches(text, text, jsonb, text, text, jsonb)'::regprocedure
        and proargnames = array['event_source', 'event_type', 'payload', 'subscription_source', 'event_type_like', 'payload_filter']);

rollback;
