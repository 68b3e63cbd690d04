-- Revert platform:events/event_subscriptions from pg

begin;

drop table events.event_subscriptions;

commit;
