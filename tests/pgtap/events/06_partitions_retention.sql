-- Partition routing, idempotency across a month boundary, and retention.
begin;
select plan(34);

create temporary table t (name text primary key, id uuid, at timestamptz);
grant select, insert, update on t to service_role, authenticated;
insert into t (name, id)
select unnest(array['a', 'a_admin']), unnest(array[c.organization_id, c.admin_id]) from tests.create_tenant('evt-ret-a') as c;
insert into t (name, id) select 'b', organization_id from tests.create_tenant('evt-ret-b');

-- Partition routing ----------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
insert into t (name, id) select 'now', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}}');
select tests.clear_authentication();
select is(
  (select tableoid::regclass::text from events.events where id = (select id from t where name = 'now')),
  'events.events_p' || to_char(now() at time zone 'UTC', 'YYYYMM'),
  'an event lands in the partition of the month it is received in (UTC)');
select is(
  (select tableoid::regclass::text from events.github_events where event_id = (select id from t where name = 'now')),
  'events.github_events_p' || to_char(now() at time zone 'UTC', 'YYYYMM'),
  'its source row lands in the same month''s partition');

-- An event received next month (written directly: ingest always uses the current time; the owner
-- widens the key window, a day ahead by default, to reach next month).
update base.partition_config set key_future_window = interval '2 months'
 where parent_table = any (events.retained_tables());
insert into t (name, id, at) values ('next', base.uuid_generate_v7(), base.partition_period_end('month', base.partition_period_start('month', now())) + interval '1 hour');
insert into events.events (organization_id, id, received_at, source, event_type, payload)
select (select id from t where name = 'a'), id, at, 'github', 'push', '{"ref": "y", "repository": {}}' from t where name = 'next';
select is(
  (select tableoid::regclass::text from events.events where id = (select id from t where name = 'next')),
  'events.events_p' || to_char((select at from t where name = 'next') at time zone 'UTC', 'YYYYMM'),
  'an event of next month lands in next month''s (premade) partition');
insert into events.event_subscriptions (organization_id, name, target_kind, target)
values ((select id from t where name = 'a'), 'all', 'handler', 'archive');
select tests.authenticate_as_service_role();
select is(events.process_pending_events(), 2, 'both events are routed');
select tests.clear_authentication();
select is(
  (select tableoid::regclass::text from events.event_deliveries where event_id = (select id from t where name = 'next')),
  'events.event_deliveries_p' || to_char((select at from t where name = 'next') at time zone 'UTC', 'YYYYMM'),
  'a delivery lands in the partition of its event''s month');
select throws_ok(
  format($$insert into events.events (organization_id, id, received_at, source, event_type, payload)
           values (%L, base.uuid_generate_v7(), now() + interval '5 years', 'ci', 'far', '{}')$$, (select id from t where name = 'a')),
  '22008', null,
  'a received_at years ahead is refused by the partition key window instead of reaching the DEFAULT partition');

-- Idempotency across a month boundary -----------------------------------------------------------------
-- The first copy of a delivery arrived in the last microsecond of last month (as ingest would
-- have stored it then); the duplicate arrives now, in this month's partition.
insert into t (name, id, at) values ('old', base.uuid_generate_v7(), base.partition_period_start('month', now()) - interval '1 microsecond');
insert into events.events (organization_id, id, received_at, source, event_type, idempotency_key, payload)
select (select id from t where name = 'a'), id, at, 'github', 'push', 'delivery-42', '{"ref": "z", "repository": {}}' from t where name = 'old';
insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
select (select id from t where name = 'a'), 'github', 'delivery-42', id, at from t where name = 'old';
select isnt(
  (select tableoid from events.events where id = (select id from t where name = 'old')),
  (select tableoid from events.events where id = (select id from t where name = 'now')),
  'the first copy is in last month''s partition, not this month''s');
select tests.authenticate_as_service_role();
select is(
  events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "z", "repository": {}}', 'delivery-42'),
  (select id from t where name = 'old'),
  'a duplicate arriving after the month boundary returns the first event''s id');
select tests.clear_authentication();
select is((select count(*)::integer from events.events where idempotency_key = 'delivery-42'), 1,
  'and nothing is stored in the new month''s partition');

-- Retention ----------------------------------------------------------------------------------------------
select is(
  (select array_agg(distinct retention) from base.partition_config where parent_table = any (events.retained_tables())),
  array[interval '365 days'],
  'the shared event partitions are kept 365 days: operator configuration');

-- One tenant's admin sets a long retention on its own type: the shared tables do not follow
-- (hardening item 6: it used to raise every tenant's partition retention).
select tests.authenticate_as((select id from t where name = 'a_admin'));
insert into events.event_types (organization_id, source, name, retention)
values ((select id from t where name = 'a'), 'ci', 'build', interval '3650 days');
update events.event_types set retention = interval '800 days'
 where organization_id = (select id from t where name = 'a') and name = 'build';
select tests.clear_authentication();
select is(
  (select array_agg(distinct retention) from base.partition_config where parent_table = any (events.retained_tables())),
  array[interval '365 days'],
  'a tenant''s longer type retention does not change the shared partitions'' retention');
select tests.authenticate_as((select id from t where name = 'a_admin'));
update events.event_types set retention = interval '1 day'
 where organization_id = (select id from t where name = 'a') and name = 'build';
select tests.clear_authentication();
select is((select retention from base.partition_config where parent_table = 'events.event_deliveries'), interval '365 days',
  'nor does shortening it');

-- Old data: a whole month two years ago (past every retention), rows of short-retention types.
create function pg_temp.old_event(p_org uuid, p_source text, p_type text, p_payload jsonb, p_at timestamptz, p_key text default null)
returns uuid language plpgsql as $$
declare v_id uuid := base.uuid_generate_v7();
begin
  insert into events.events (organization_id, id, received_at, source, event_type, idempotency_key, payload, status)
  values (p_org, v_id, p_at, p_source, p_type, p_key, p_payload, 'pending');
  if p_key is not null then
    insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
    values (p_org, p_source, p_key, v_id, p_at);
  end if;
  perform events.fill_source_tables(array[p_org], array[v_id], array[p_at], array[p_source], array[p_type], array[p_payload]);
  return v_id;
end $$;

-- Rows that have aged past the key window cannot be written any more: the owner widens the window
-- for this transaction to plant them.
update base.partition_config set key_past_window = interval '3 years'
 where parent_table = any (events.retained_tables() || 'events.event_processing_logs'::text);
insert into t (name, id)
select 'ancient' || g, pg_temp.old_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}}',
                                          base.partition_period_start('month', now() - interval '2 years') + g * interval '1 day', 'ancient-' || g)
  from generate_series(1, 3) as g;
insert into t (name, id) values
  ('build_old',   pg_temp.old_event((select id from t where name = 'a'), 'ci', 'build', '{}', now() - interval '3 days', 'build-old')),
  ('build_new',   pg_temp.old_event((select id from t where name = 'a'), 'ci', 'build', '{}', now() - interval '1 hour')),
  ('build_b_old', pg_temp.old_event((select id from t where name = 'b'), 'ci', 'build', '{}', now() - interval '3 days')),
  ('slack_a_old', pg_temp.old_event((select id from t where name = 'a'), 'slack', 'message', '{"team_id": "T", "event": {}}', now() - interval '100 days')),
  ('slack_a_new', pg_temp.old_event((select id from t where name = 'a'), 'slack', 'message', '{"team_id": "T", "event": {}}', now() - interval '80 days')),
  ('slack_b_old', pg_temp.old_event((select id from t where name = 'b'), 'slack', 'message', '{"team_id": "T", "event": {}}', now() - interval '100 days')),
  ('deploy_old',  pg_temp.old_event((select id from t where name = 'a'), 'deployment', 'failed', '{"environment": "p", "version": "1"}', now() - interval '300 days'));
-- b keeps its chat history longer than the built-in 90 days.
insert into events.event_types (organization_id, source, name, payload_schema, retention)
values ((select id from t where name = 'b'), 'slack', 'message', '{"required": ["team_id", "event"]}', interval '200 days');

select is((select count(*)::integer from events.github_events where event_id in (select id from t where name like 'ancient%')), 3,
  'the events of the old month have their source rows');
select ok(exists (select from events.slack_events where event_id = (select id from t where name = 'slack_a_old')),
  'an old chat event has its source row');
select tests.authenticate_as_service_role();
select is(events.process_pending_events(1000), 11, 'the pending events are routed (so the old ones have deliveries to remove)');
select is(events.cleanup_old_events(), 5,
  'cleanup removes the 3 events of the dropped month plus the 2 rows past their type''s shorter retention');
select tests.clear_authentication();

select is(
  (select count(*)::integer from base.partitions
    where parent_table = any (events.retained_tables())
      and upper_bound <= base.partition_period_start('month', now() - interval '365 days')),
  0,
  'no partition past the longest retention is left in any event data table');
select ok(
  not exists (select from base.partitions where partition_name like '%\_p' || to_char(now() - interval '2 years', 'YYYYMM')),
  'the month of two years ago was detached and dropped, not emptied');
select is((select count(*)::integer from events.events where id in (select id from t where name like 'ancient%')), 0,
  'the events of the dropped month are gone');
select is((select count(*)::integer from events.github_events where event_id in (select id from t where name like 'ancient%')), 0,
  'their source rows went with them (they had some: see the check before cleanup)');
select is((select count(*)::integer from events.event_deliveries where event_id in (select id from t where name like 'ancient%')), 0,
  'their deliveries went with them');
select is((select count(*)::integer from events.event_idempotency_keys where idempotency_key like 'ancient-%'), 0,
  'their idempotency keys were removed');
select is(
  (select array_agg(name order by name) from t
    where name in ('build_old', 'build_new', 'build_b_old', 'slack_a_old', 'slack_a_new', 'slack_b_old', 'deploy_old')
      and not exists (select from events.events as e where e.id = t.id)),
  array['build_old', 'slack_a_old'],
  'rows past their type''s retention are deleted (an organization''s own type, a built-in type), the others kept: another tenant''s rows of the same name are untouched');
select ok(not exists (select from events.slack_events where event_id = (select id from t where name = 'slack_a_old')),
  'a deleted event''s source row is deleted with it');
select ok(not exists (select from events.event_deliveries where event_id = (select id from t where name = 'build_old')),
  'a deleted event''s deliveries are deleted with it');
select ok(not exists (select from events.event_idempotency_keys where idempotency_key = 'build-old'),
  'a deleted event''s idempotency key is deleted with it');
select ok(exists (select from events.events where id = (select id from t where name = 'slack_b_old')),
  'an organization that overrides a built-in type keeps its own retention');
select ok(exists (select from events.events where id = (select id from t where name = 'now')),
  'current events are untouched');

select tests.authenticate_as_service_role();
select is(events.cleanup_old_events(), 0, 'a second run has nothing left to remove');
-- Bounded batches: two eligible rows, one batch of one row.
select tests.clear_authentication();
insert into t (name, id) values
  ('b1', pg_temp.old_event((select id from t where name = 'a'), 'ci', 'build', '{}', now() - interval '2 days')),
  ('b2', pg_temp.old_event((select id from t where name = 'a'), 'ci', 'build', '{}', now() - interval '2 days'));
select tests.authenticate_as_service_role();
select is(events.cleanup_old_events(batch_size => 1), 1, 'a call deletes one batch of at most batch_size rows');
select is(events.cleanup_old_events(batch_size => 1), 1, 'the next call continues');
select is(events.cleanup_old_events(batch_size => 1), 0, 'and returns 0 when nothing is left');
select throws_ok($$select events.cleanup_old_events(batch_size => 0)$$, '22023', 'batch_size must be between 1 and 1000000, got 0',
  'batch_size 0 raises 22023');
select throws_ok($$select events.cleanup_old_events(batch_size => null)$$, '22023', 'batch_size must be between 1 and 1000000, got null',
  'batch_size NULL raises 22023');

select * from finish();
rollback;
