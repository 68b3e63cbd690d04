-- Structure of the events module: tables, keys, partitioning, policies, privileges, functions.
begin;
select plan(65);

select has_schema('events', 'the events schema exists');
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_catalog.pg_class as c
    where c.relnamespace = 'events'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition),
  array['deployment_events', 'event_deliveries', 'event_idempotency_keys', 'event_processing_logs', 'event_subscriptions',
        'event_types', 'events', 'github_events', 'linear_events', 'slack_events'],
  'the events schema holds exactly the module''s tables (partitions aside)');

-- Keys ------------------------------------------------------------------------------------------
select col_is_pk('events', 'event_types', array['id'], 'event_types: a global catalog keyed by id');
select col_is_pk('events', 'events', array['organization_id', 'id', 'received_at'], 'events: tenant key plus the partition key');
select col_is_pk('events', 'event_idempotency_keys', array['organization_id', 'source', 'idempotency_key'],
  'idempotency keys: one row per organization, source and key');
select col_is_pk('events', 'github_events', array['organization_id', 'event_id', 'received_at'], 'github_events: keyed like its event');
select col_is_pk('events', 'linear_events', array['organization_id', 'event_id', 'received_at'], 'linear_events: keyed like its event');
select col_is_pk('events', 'slack_events', array['organization_id', 'event_id', 'received_at'], 'slack_events: keyed like its event');
select col_is_pk('events', 'deployment_events', array['organization_id', 'event_id', 'received_at'], 'deployment_events: keyed like its event');
select col_is_pk('events', 'event_subscriptions', array['organization_id', 'id'], 'event_subscriptions: tenant key');
select col_is_pk('events', 'event_deliveries', array['organization_id', 'id', 'event_received_at'], 'event_deliveries: tenant key plus the partition key');
select col_is_pk('events', 'event_processing_logs', array['organization_id', 'id', 'logged_at'], 'event_processing_logs: tenant key plus the partition key');
select col_is_unique('events', 'event_deliveries', array['organization_id', 'event_id', 'subscription_id', 'event_received_at'],
  'one delivery per event and subscription (the event fixes event_received_at, so this holds across partitions)');
select fk_ok('events', 'event_deliveries', array['organization_id', 'subscription_id'],
             'events', 'event_subscriptions', array['organization_id', 'id'],
  'a delivery points at a subscription of its own organization');
select fk_ok('events', 'events', 'organization_id', 'base', 'organizations', 'id', 'events belong to an organization');
select fk_ok('events', 'event_types', 'organization_id', 'base', 'organizations', 'id', 'an organization''s own types belong to it');
select is(
  (select array_agg(c.conname::text order by c.conname) from pg_catalog.pg_constraint as c
    where c.contype = 'f' and c.confrelid = 'events.events'::regclass),
  null,
  'nothing holds a foreign key to the partitioned events table, so dropping a month checks no other table');
select is(
  (select array_agg(i.indexrelid::regclass::text order by i.indexrelid::regclass::text) from pg_catalog.pg_index as i
    where i.indrelid = 'events.event_types'::regclass and i.indisunique and i.indpred is not null),
  array['events.event_types_organization_id_source_name_key', 'events.event_types_source_name_key'],
  'event types are unique by source and name among built-ins, and per organization among its own');

-- Partitioning ------------------------------------------------------------------------------------
select is_partitioned('events', 'events', 'events is partitioned');
select is_partitioned('events', 'github_events', 'github_events is partitioned');
select is_partitioned('events', 'linear_events', 'linear_events is partitioned');
select is_partitioned('events', 'slack_events', 'slack_events is partitioned');
select is_partitioned('events', 'deployment_events', 'deployment_events is partitioned');
select is_partitioned('events', 'event_deliveries', 'event_deliveries is partitioned');
select is_partitioned('events', 'event_processing_logs', 'event_processing_logs is partitioned');
select isnt_partitioned('events', 'event_idempotency_keys', 'the idempotency arbiter is one table, so its key is global');
select is(
  (select array_agg(pc.parent_table order by pc.parent_table) from base.partition_config as pc
    where pc.parent_table like 'events.%' and pc.granularity = 'month' and pc.premake = 3),
  array['events.deployment_events', 'events.event_deliveries', 'events.event_processing_logs', 'events.events',
        'events.github_events', 'events.linear_events', 'events.slack_events'],
  'every partitioned table of the module is under base partition maintenance, monthly, three months ahead');
select is(
  (select array_agg(distinct pc.retention) from base.partition_config as pc
    where pc.parent_table = any (events.retained_tables())),
  array[interval '365 days'],
  'event data partitions are kept 365 days, operator configuration independent of event types');
select is(
  (select pc.retention from base.partition_config as pc where pc.parent_table = 'events.event_processing_logs'),
  interval '90 days',
  'processing logs have their own retention');
select ok(
  (select count(*) = 2 from base.partitions as p
    where p.parent_table = 'events.events' and (p.is_default or (p.lower_bound <= now() and p.upper_bound > now()))),
  'events has a DEFAULT partition and the current month''s');
select is(
  (select pg_catalog.pg_get_expr(i.indpred, i.indrelid) from pg_catalog.pg_index as i
    where i.indexrelid = 'events.event_deliveries_next_attempt_at_idx'::regclass),
  '(status = ''pending''::text)',
  'the claim path reads a partial index of pending deliveries only');
select is(
  (select pg_catalog.pg_get_expr(i.indpred, i.indrelid) from pg_catalog.pg_index as i
    where i.indexrelid = 'events.events_received_at_idx'::regclass),
  '(status = ''pending''::text)',
  'the routing queue is a partial index of pending events only');

-- Built-in types ----------------------------------------------------------------------------------
select results_eq(
  $$select source, count(*)::integer from events.event_types where organization_id is null group by source order by source$$,
  $$values ('deployment', 4), ('github', 6), ('linear', 3), ('slack', 3)$$,
  'built-in types exist for the four sources');
select is(
  (select required_keys from events.event_types where organization_id is null and source = 'github' and name = 'push'),
  array['ref', 'repository'],
  'required_keys is generated from payload_schema.required');

-- Triggers ----------------------------------------------------------------------------------------
select has_trigger('events', 'events', '_000_check_status_transition', 'event status transitions are enforced');
select has_trigger('events', 'event_deliveries', '_000_check_status_transition', 'delivery status transitions are enforced');
select hasnt_trigger('events', 'event_types', '_800_sync_partition_retention', 'no tenant''s type retention drives the shared partitions'' retention');
select has_trigger('events', 'event_subscriptions', '_900_audit_update', 'subscription changes are audited');
select has_trigger('events', 'event_types', '_900_audit_update', 'event type changes are audited');

-- Policies ----------------------------------------------------------------------------------------
select policies_are('events', 'event_types',
  array['select_viewer', 'insert_admin', 'update_admin', 'delete_admin', 'all_service_role'],
  'event_types: viewers read, admins manage their own, services everything');
select policies_are('events', 'event_subscriptions',
  array['select_viewer', 'insert_admin', 'update_admin', 'delete_admin', 'all_service_role'],
  'event_subscriptions: viewers read, admins manage, services everything');
select policies_are('events', 'events', array['select_viewer', 'all_service_role'], 'events: viewers read, services write');
select policies_are('events', 'event_deliveries', array['select_viewer', 'all_service_role'], 'deliveries: viewers read, services write');
select policies_are('events', 'event_processing_logs', array['select_viewer', 'all_service_role'], 'logs: viewers read, services write');
select policies_are('events', 'event_idempotency_keys', array['all_service_role'], 'idempotency keys: services only');
select is(
  (select array_agg(t order by t) from unnest(array['github_events', 'linear_events', 'slack_events', 'deployment_events']) as t
    where (select array_agg(p.policyname::text order by p.policyname) from pg_catalog.pg_policies as p
            where p.schemaname = 'events' and p.tablename = t) is distinct from array['all_service_role', 'select_viewer']),
  null,
  'source tables: viewers read, services write');

-- Privileges --------------------------------------------------------------------------------------
select table_privs_are('events', 'events', 'authenticated', array['SELECT'], 'users only read events');
select table_privs_are('events', 'event_subscriptions', 'authenticated', array['SELECT', 'DELETE'],
  'users read and delete subscriptions (within the admin policies); INSERT and UPDATE are granted per column');
select ok(has_column_privilege('authenticated', 'events.event_subscriptions', 'payload_filter', 'INSERT')
          and has_column_privilege('authenticated', 'events.event_subscriptions', 'is_active', 'UPDATE'),
  'users may write a subscription''s filter and pause it (within the admin policies)');
select table_privs_are('events', 'event_idempotency_keys', 'authenticated', array[]::text[], 'users cannot touch idempotency keys');
select table_privs_are('events', 'event_deliveries', 'authenticated', array['SELECT'], 'users only read deliveries');
select ok(not has_column_privilege('service_role', 'events.events', 'payload', 'UPDATE'),
  'not even services can rewrite an event''s payload');
select ok(has_column_privilege('service_role', 'events.events', 'status', 'UPDATE'),
  'services update an event''s processing state');
select ok(not has_column_privilege('authenticated', 'events.event_subscriptions', 'target_kind', 'UPDATE'),
  'a subscription''s target kind is fixed once created');

-- Functions ---------------------------------------------------------------------------------------
select functions_are('events',
  array['payload_required_keys', 'effective_event_type', 'github_fields', 'linear_fields',
        'slack_fields', 'deployment_fields', 'fill_source_tables',
        'validate_event', 'ingest_event', 'ingest_events', 'subscription_matches', 'check_subscription_match',
        'route_events', 'process_pending_events', 'raise_lease_error', 'claim_deliveries', 'heartbeat_delivery',
        'complete_delivery', 'fail_delivery', 'recover_expired_deliveries', 'replay_event', 'retained_tables',
        'cleanup_old_events'],
  'the events schema holds exactly the module''s functions');
select is(
  (select count(*)::int from pg_catalog.pg_proc as p
    where p.pronamespace = 'events'::regnamespace and p.prosecdef),
  0,
  'no events function is SECURITY DEFINER: the worker API runs with service_role''s own rights');
select function_privs_are('events', 'ingest_event', array['uuid', 'text', 'text', 'jsonb', 'text', 'timestamp with time zone', 'jsonb'],
  'authenticated', array[]::text[], 'users cannot ingest');
select function_privs_are('events', 'ingest_event', array['uuid', 'text', 'text', 'jsonb', 'text', 'timestamp with time zone', 'jsonb'],
  'service_role', array['EXECUTE'], 'services ingest');
select function_privs_are('events', 'claim_deliveries', array['text', 'integer', 'text[]'],
  'authenticated', array[]::text[], 'users cannot claim deliveries');
select function_privs_are('events', 'check_subscription_match', array['uuid', 'uuid'],
  'authenticated', array['EXECUTE'], 'users may check a match');
select volatility_is('events', 'ingest_event', array['uuid', 'text', 'text', 'jsonb', 'text', 'timestamp with time zone', 'jsonb'],
  'volatile', 'ingest_event is volatile');
select volatility_is('events', 'check_subscription_match', array['uuid', 'uuid'], 'stable', 'check_subscription_match is stable');
select volatility_is('events', 'subscription_matches', array['text', 'text', 'jsonb', 'text', 'text', 'jsonb'],
  'immutable', 'the match rule is immutable, so the planner inlines it');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_catalog.pg_proc as p
    where p.pronamespace = 'events'::regnamespace and p.proname like '%\_fields' and p.provolatile = 'i' and p.proretset),
  array['events.deployment_fields(jsonb,text)', 'events.github_fields(jsonb)', 'events.linear_fields(jsonb)', 'events.slack_fields(jsonb)'],
  'each source''s payload paths are one immutable set-returning SQL function, inlined into the fill');
select is(
  (select count(*)::int from pg_catalog.pg_trigger as t where t.tgrelid = 'events.event_types'::regclass and not t.tgisinternal
      and t.tgfoid::regproc::text like '%retention%'),
  0, 'no trigger on event types writes the shared partitions'' retention');

select * from finish();
rollback;
