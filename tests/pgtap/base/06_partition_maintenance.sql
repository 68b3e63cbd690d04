-- Partition maintenance: DEFAULT partition, premake, draining the DEFAULT partition, retention by
-- detach + drop, UTC alignment, idempotence and bad input.
begin;
select plan(22);

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
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', p_premake => 0)$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_premake_check"',
  'at least one future partition is kept');
select throws_ok($$select * from base.register_partitioned_table('scratch.readings', 'day', p_retention => interval '-1 day')$$, '23514',
  'new row for relation "partition_config" violates check constraint "partition_config_retention_check"',
  'retention is positive');
select is((select count(*)::int from base.partition_config where parent_table = 'scratch.readings'), 0,
  'refused registrations leave no configuration');

-- Registration creates DEFAULT, current and future partitions ------------------------------------
select results_eq(
  $$select action, count(*)::int from base.register_partitioned_table('scratch.readings', 'day', p_premake => 2) group by action order by action$$,
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
