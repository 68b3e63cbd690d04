-- Deploy platform:events/schema to pg
-- The events module: every integration event (Linear, Slack, GitHub, deployments, custom
-- sources) is stored once, routed to the subscriptions that match it, and delivered with a
-- lease, retries and a dead-letter state. Users read through RLS; ingestion, routing, delivery
-- and retention are worker functions run as service_role.

begin;

create schema events;
comment on schema events is
  'Integration events: types, the partitioned event store and its source tables, subscriptions, deliveries (a leased work queue) and processing logs.';
revoke all on schema events from public;
grant usage on schema events to authenticated, service_role;

commit;
