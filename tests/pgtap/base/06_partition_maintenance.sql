-- Partition maintenance: DEFAULT partition, premake, draining the DEFAULT partition, retention by
-- detach + drop, UTC alignment, idempotence and bad input; the partition key window; one broken
-- table does not stop the others; a bounded number of partitions per run.
begin;
select plan(47);

create schema scratch;
create table scratch.readings (
  id uuid not null default base.uuid_generate_v7(),
  taken_at timestamptz not null,
  value int,
  primary key (id, taken_at)
) partition by range (taken_at);
create table scratch.flat (id int primary key, taken_at timestamptz);
create table scratch.by_int (id int, n int) partition by range (n);

-- Bad input -----------------------------------------------------------------------------------
select throws_ok($$select * from base.register_partitioned_table('scratch.flat', 'day')$$, '22023',
  'scratch.flat is not range-partitioned on a single timestamptz column', 'only partitioned tables can be registered');
select throws_ok($$select * from base.register_partitioned_table('scratch.by_int', 'day')$$, '22023',
  'scratch.by_int is not range-partitioned on a single timestamptz column', 'the key must be a timestamptz');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'hour')$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_granularity_check"',
  'granularity is day, week or month');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', premake => 0, guard_key => false)$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_premake_check"',
  'at least one future partition is kept');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', retention => interval '-1 day', guard_key => false)$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_retention_check"',
  'retention is positive');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', premake => 2, key_past_window => interval '11 years')$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_key_window_check"',
  'the key window reaches at most ten years back');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', premake => 2, retention => interval '30 days', retention_floor => interval '60 days', guard_key => false)$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_retention_floor_check"',
  'retention is never below its floor');
select is((select count(*)::int from base.partition_config where parent_table = 'scratch.readings'), 0,
  'refused registrations leave no configuration');

-- Registration creates DEFAULT, current and future partitions ------------------------------------
select results_eq(
  $$select action, count(*)::int from base.register_partitioned_table('scratch.readings', 'day', premake => 2, guard_key => false) group by action order by action$$,
  $$values ('created'::text, 3), ('created default'::text, 1)$$,
  'registering creates the DEFAULT partition, today and two days ahead');
select ok(
  (select count(*) = 1 from base.partitions where parent_table = 'scratch.readings'
      and lower_bound = base.partition_period_start('day', now()) and upper_bound = base.partition_period_start('day', now()) + interval '1 day'),
  'today''s partition spans exactly today (UTC)');
select has_table('scratch', 'readings_p' || to_char(now() at time zone 'UTC', 'YYYYMMDD'),
  'partitions are named <table>_pYYYYMMDD');
select is_empty($$select * from base.run_partition_maintenance('scratch.readings')$$,
  'a second run has nothing to do');

-- Rows outside every partition are kept, then moved --------------------------------------------
insert into scratch.readings (taken_at, value)
select now() + interval '10 days', n from generate_series(1, 5) as n;
select is((select count(*)::int from scratch.readings_default), 5,
  'rows beyond the premade range land in the DEFAULT partition instead of failing');
select results_eq(
  $$select action from base.run_partition_maintenance('scratch.readings') where action = 'created from default'$$,
  array['created from default'], 'the next run gives those rows a partition of their own');
select is((select count(*)::int from scratch.readings_default), 0, 'the DEFAULT partition is empty again');
select is((select count(*)::int from scratch.readings where taken_at > now() + interval '9 days'), 5,
  'no row was lost in the move');

-- Retention ---------------------------------------------------------------------------------------
insert into scratch.readings (taken_at, value)
select now() - make_interval(days => d), d from generate_series(1, 8) as d;
select is((select count(*)::int from base.run_partition_maintenance('scratch.readings') where action = 'created from default'),
  8, 'back-dated rows get their own partitions too');
update base.partition_config set retention = interval '3 days' where parent_table = 'scratch.readings';
select is((select count(*)::int from base.run_partition_maintenance('scratch.readings') where action = 'dropped'),
  5, 'partitions wholly older than the retention are dropped');
select is((select min(value) from scratch.readings where value between 1 and 8), 1,
  'recent rows stay');
select is((select max(value) from scratch.readings where taken_at < now()), 3,
  'rows older than the retention are gone with their partitions');
select is(
  (select count(*)::int from pg_class c
    where c.relnamespace = 'scratch'::regnamespace and c.relname like 'readings\_p%' and c.relkind = 'r' and not c.relispartition),
  0, 'dropped partitions are not left detached behind');

-- A far-away or infinite key in an unguarded table no longer stops maintenance (hardening item 2) --
create function pg_temp.bad_period() returns text language plpgsql as $$
begin
  perform base.create_partition('scratch.readings', 'day', 'infinity');
  return 'created';
exception when others then
  return sqlstate || ': ' || sqlerrm;
end $$;
select is(pg_temp.bad_period(),
  '22023: no partition of scratch.readings can start at infinity: a period start must be a finite time between years 1 and 9998',
  'create_partition never builds a partition (or a NULL name) for an infinite period');
insert into scratch.readings (taken_at, value) values ('infinity', -1), ('-infinity', -2);
select is_empty($$select * from base.run_partition_maintenance('scratch.readings') where action = 'failed'$$,
  'rows dated +-infinity in the DEFAULT partition do not make maintenance fail');
select is((select count(*)::int from scratch.readings_default), 2, 'they stay in the DEFAULT partition, where monitoring reports them');

-- One run moves at most 12 periods out of the DEFAULT partition --------------------------------------
insert into scratch.readings (taken_at, value)
select now() + make_interval(days => 20 + d), 100 + d from generate_series(1, 20) as d;
select is((select count(*)::int from base.run_partition_maintenance('scratch.readings') where action = 'created from default'),
  12, 'rows of 20 distinct days: one run creates 12 partitions from the DEFAULT partition');
select is((select count(*)::int from base.run_partition_maintenance('scratch.readings') where action = 'created from default'),
  8, 'the next run creates the other 8');
select is((select count(*)::int from scratch.readings where value > 100), 20, 'no row was lost in the bounded moves');

-- The partition key window --------------------------------------------------------------------------
create table scratch.samples (
  id uuid not null default base.uuid_generate_v7(),
  sampled_at timestamptz not null,
  primary key (id, sampled_at)
) partition by range (sampled_at);
select throws_ok($$select * from base.register_partitioned_table('scratch.samples', 'day', premake => 2, key_future_window => interval '3 days')$$,
  '23514', 'new row for relation "partition_config" violates check constraint "partition_config_key_window_check"',
  'the future bound stays within the premade periods');
select lives_ok($$select * from base.register_partitioned_table('scratch.samples', 'day', premake => 2, retention => interval '5 days')$$,
  'a table registers with the default window: its retention back, a day ahead');
select is((select key_past_window || ' / ' || key_future_window from base.partition_config where parent_table = 'scratch.samples'),
  '5 days / 1 day', 'the default window is the retention back and one day ahead');
select throws_ok($$insert into scratch.samples (sampled_at) values ('infinity')$$, '22008', null,
  'an infinite key is refused');
select throws_ok($$insert into scratch.samples (sampled_at) values ('-infinity')$$, '22008', null,
  'a minus-infinite key is refused');
select throws_ok($$insert into scratch.samples (sampled_at) values (now() + interval '2 days')$$, '22008', null,
  'a key beyond the future bound is refused');
select throws_ok($$insert into scratch.samples (sampled_at) values (now() - interval '6 days')$$, '22008', null,
  'a key beyond the past bound is refused');
insert into scratch.samples (sampled_at) values (now()), (now() - interval '4 days');
select throws_ok($$update scratch.samples set sampled_at = 'infinity'$$, '22008', null,
  'an UPDATE of the key is checked too');
select is((select count(*)::int from scratch.samples where sampled_at between now() - interval '5 days' and now()), 2,
  'keys inside the window are kept and nothing else was written');
update base.partition_config set key_past_window = interval '10 days' where parent_table = 'scratch.samples';
select lives_ok($$insert into scratch.samples (sampled_at) values (now() - interval '6 days')$$,
  'the window is data: widening it in base.partition_config takes effect at once');
update base.partition_config set key_past_window = null, key_future_window = null where parent_table = 'scratch.samples';
select is((select count(*)::int from pg_trigger where tgrelid = 'scratch.samples'::regclass and tgname = '_000_check_partition_key'),
  0, 'a NULL window removes the key trigger');

-- One broken table does not stop the others -----------------------------------------------------------
-- readings' partition for two days ahead is gone and a plain table squats its name; samples'
-- partition for two days ahead is gone too. readings is maintained before samples.
update base.partition_config set key_past_window = interval '5 days', key_future_window = interval '1 day' where parent_table = 'scratch.samples';
select format('scratch.readings_p%s', to_char((now() + interval '2 days') at time zone 'UTC', 'YYYYMMDD')) as squat \gset
select format('scratch.samples_p%s', to_char((now() + interval '2 days') at time zone 'UTC', 'YYYYMMDD')) as gone \gset
alter table scratch.readings detach partition :squat;
drop table :squat;
create table :squat (x int);
alter table scratch.samples detach partition :gone;
drop table :gone;
select results_eq(
  $$select parent_table, action from base.run_partition_maintenance()
     where parent_table in ('scratch.samples', 'scratch.readings') and action in ('failed', 'created') order by 1$$,
  $$values ('scratch.readings'::text, 'failed'::text), ('scratch.samples', 'created')$$,
  'one run: the broken table returns a failed action and the table after it is still maintained');
select results_eq(
  $$select last_failure_sqlstate, last_failure_message, last_failed_at is not null from base.partition_config where parent_table = 'scratch.readings'$$,
  format($$values ('42P07'::text, 'relation "%s" already exists'::text, true)$$, split_part(:'squat', '.', 2)),
  'the failure is recorded on the table''s configuration row: when, SQLSTATE and message');
select is((select count(*)::int from base.partition_config where last_failed_at is not null), 1,
  'every other table was maintained without failure');
select ok((select count(*) = 1 from pg_trigger where tgrelid = :'gone'::regclass and tgname = '_000_check_partition_key'),
  'the recreated partition has the key trigger');
drop table :squat;
select results_eq($$select action from base.run_partition_maintenance('scratch.readings')$$, array['created'],
  'once the cause is gone the next run repairs the table');
select is((select last_failed_at from base.partition_config where parent_table = 'scratch.readings'), null,
  'and clears the recorded failure');

-- Period arithmetic is UTC, whatever the session says ----------------------------------------------
set local timezone = 'America/New_York';
select is(base.partition_period_start('day', '2026-11-21 23:30:00-05'), '2026-11-22 00:00:00+00'::timestamptz,
  'days start at midnight UTC even for a New York session');
select is(base.partition_period_end('month', '2026-01-01 00:00:00+00'), '2026-02-01 00:00:00+00'::timestamptz,
  'a month partition ends at the next month''s start in UTC');
select is(base.partition_period_start('week', '2026-11-21 12:00:00+00'), '2026-11-16 00:00:00+00'::timestamptz,
  'weeks start on Monday (ISO)');

select * from finish();
rollback;
