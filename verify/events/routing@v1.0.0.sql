-- Verify platform:events/routing on pg

begin;

select 1 / events.subscription_matches('github', 'pull_request', '{"action": "opened"}', 'github', 'pull\_%', '{"action": "opened"}')::int;
select 1 / (not events.subscription_matches('github', 'push', '{}', 'slack', '%', '{}'))::int;
select 'events.check_subscription_match(uuid, uuid)'::regprocedure;
select 'events.process_pending_events(integer)'::regprocedure;

rollback;
