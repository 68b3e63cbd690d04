-- Row-level security: members read their organization's events; admins manage subscriptions and
-- their own event types; workers are service_role; anon sees nothing.
begin;
select plan(30);

create temporary table t (name text primary key, id uuid);
grant select, insert on t to service_role, authenticated, anon;
insert into t (name, id)
select unnest(array['a', 'a_owner', 'a_admin', 'a_member', 'a_viewer']),
       unnest(array[c.organization_id, c.owner_id, c.admin_id, c.member_id, c.viewer_id])
  from tests.create_tenant('evt-rls-a') as c;
insert into t (name, id)
select unnest(array['b', 'b_admin']), unnest(array[c.organization_id, c.admin_id]) from tests.create_tenant('evt-rls-b') as c;

insert into events.event_types (organization_id, source, name) values
  ((select id from t where name = 'a'), 'ci', 'a_only'),
  ((select id from t where name = 'b'), 'ci', 'b_only');
with created as (
  insert into events.event_subscriptions (organization_id, name, target_kind, target)
  values ((select id from t where name = 'a'), 'a-all', 'handler', 'archive'),
         ((select id from t where name = 'b'), 'b-all', 'handler', 'archive')
  returning name, id)
insert into t select c.name, c.id from created as c;

select tests.authenticate_as_service_role();
insert into t select 'ea', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}}', 'k1');
insert into t select 'eb', events.ingest_event((select id from t where name = 'b'), 'github', 'push', '{"ref": "x", "repository": {}}', 'k1');
insert into t select 'routed', null from (select events.process_pending_events()) as x;
insert into t select 'claimed', null from (select events.claim_deliveries('w', 10)) as x limit 1;

-- Workers -------------------------------------------------------------------------------------------------
select is((select count(*)::integer from events.events where id in ((select id from t where name = 'ea'), (select id from t where name = 'eb'))), 2,
  'service_role reads every organization''s events');
select is((select count(*)::integer from events.event_idempotency_keys where idempotency_key = 'k1'), 2,
  'service_role reads the idempotency keys');

-- Viewer of a ------------------------------------------------------------------------------------------------
select tests.authenticate_as((select id from t where name = 'a_viewer'));
select is((select array_agg(id) from events.events), array[(select id from t where name = 'ea')],
  'a viewer reads their organization''s events and no other');
select is((select array_agg(event_id) from events.github_events), array[(select id from t where name = 'ea')],
  'a viewer reads their organization''s source rows and no other');
select is((select array_agg(event_id) from events.event_deliveries), array[(select id from t where name = 'ea')],
  'a viewer follows their organization''s deliveries and no other');
select is((select array_agg(distinct event_id) from events.event_processing_logs), array[(select id from t where name = 'ea')],
  'a viewer reads their organization''s processing logs and no other');
select is((select array_agg(name) from events.event_subscriptions), array['a-all'],
  'a viewer sees their organization''s subscriptions and no other');
select is(
  (select array_agg(name order by name) from events.event_types where source = 'ci'), array['a_only'],
  'a viewer sees their organization''s own types, not another organization''s');
select ok((select count(*) > 0 from events.event_types where organization_id is null), 'everyone signed in sees the built-in types');
select ok(events.check_subscription_match((select id from t where name = 'ea'), (select id from t where name = 'a-all')),
  'a member may check a match in their organization');
select throws_ok(
  format($$select events.check_subscription_match(%L, %L)$$, (select id from t where name = 'eb'), (select id from t where name = 'b-all')),
  'P0002', format('event subscription %s not found', (select id from t where name = 'b-all')),
  'another organization''s subscription is not found');
select throws_ok($$select * from events.event_idempotency_keys$$, '42501', null, 'users cannot read idempotency keys');
select throws_ok($$select events.process_pending_events()$$, '42501', null, 'users cannot route events');
select throws_ok($$select events.claim_deliveries('me')$$, '42501', null, 'users cannot claim deliveries');
select throws_ok(
  format($$insert into events.events (organization_id, source, event_type, payload) values (%L, 'github', 'push', '{}')$$, (select id from t where name = 'a')),
  '42501', null, 'users cannot write events directly');

-- Member of a --------------------------------------------------------------------------------------------------
select tests.authenticate_as((select id from t where name = 'a_member'));
select throws_ok(
  format($$insert into events.event_subscriptions (organization_id, name, target_kind, target) values (%L, 'mine', 'queue', 'q')$$,
         (select id from t where name = 'a')),
  '42501', 'new row violates row-level security policy for table "event_subscriptions"',
  'a member cannot create a subscription');
with u as (update events.event_subscriptions set is_active = false where id = (select id from t where name = 'a-all') returning 1)
select is(count(*)::integer, 0, 'a member cannot pause a subscription') from u;
with d as (delete from events.event_subscriptions where id = (select id from t where name = 'a-all') returning 1)
select is(count(*)::integer, 0, 'a member cannot delete a subscription') from d;

-- Admin of a ------------------------------------------------------------------------------------------------------
select tests.authenticate_as((select id from t where name = 'a_admin'));
select lives_ok(
  format($$insert into events.event_subscriptions (organization_id, name, source, event_type_pattern, target_kind, target)
           values (%L, 'deploys', 'deployment', '*', 'webhook', 'https://hooks.example/deploy')$$, (select id from t where name = 'a')),
  'an admin creates a subscription in their organization');
select is(
  (select created_by from events.event_subscriptions where name = 'deploys'), (select id from t where name = 'a_admin'),
  'the subscription records who created it');
with u as (update events.event_subscriptions set is_active = false where id = (select id from t where name = 'a-all') returning 1)
select is(count(*)::integer, 1, 'an admin pauses a subscription') from u;
select throws_ok(
  format($$insert into events.event_subscriptions (organization_id, name, target_kind, target) values (%L, 'intrude', 'queue', 'q')$$,
         (select id from t where name = 'b')),
  '42501', 'new row violates row-level security policy for table "event_subscriptions"',
  'an admin cannot create a subscription in another organization');
with u as (update events.event_subscriptions set is_active = false where id = (select id from t where name = 'b-all') returning 1)
select is(count(*)::integer, 0, 'an admin cannot touch another organization''s subscription') from u;
select throws_ok(
  format($$update events.event_subscriptions set target_kind = 'queue' where id = %L$$, (select id from t where name = 'a-all')),
  '42501', null, 'the target kind of a subscription cannot be changed by users');
select lives_ok(
  format($$insert into events.event_types (organization_id, source, name, payload_schema) values (%L, 'ci', 'deploy_gate', '{"required": ["gate"]}')$$,
         (select id from t where name = 'a')),
  'an admin adds an event type to their organization');
select throws_ok(
  $$insert into events.event_types (organization_id, source, name) values (null, 'ci', 'global')$$,
  '42501', 'new row violates row-level security policy for table "event_types"',
  'an admin cannot add a built-in (global) type');
with u as (update events.event_types set retention = interval '1 day' where organization_id is null and name = 'push' returning 1)
select is(count(*)::integer, 0, 'an admin cannot change a built-in type') from u;
with d as (delete from events.event_subscriptions where id = (select id from t where name = 'a-all') returning 1)
select is(count(*)::integer, 1, 'an admin deletes a subscription') from d;

-- Anonymous --------------------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$select count(*) from events.events$$, '42501', null, 'anon cannot read events');
select throws_ok($$select count(*) from events.event_types$$, '42501', null, 'anon cannot read event types');

select * from finish();
rollback;
