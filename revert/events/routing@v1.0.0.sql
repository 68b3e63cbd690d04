-- Revert platform:events/routing from pg

begin;

drop function events.process_pending_events(integer);
drop function events.route_events(uuid[], uuid[], timestamptz[], uuid);
drop function events.check_subscription_match(uuid, uuid);
drop function events.subscription_matches(text, text, jsonb, text, text, jsonb);

commit;
