-- Partition faults, injected for real on a scratch table maintained by base.partition_config:
-- rows in the DEFAULT partition, missing future (and current) partitions, partitions past
-- retention, a configured table that is gone, a partitioned table nobody registered. Each is
-- flagged by monitoring.partition_health with its severity, then cleared by base's maintenance.
begin;
select plan(24);

create schema monitoring_test;
create table monitoring_test.events (
  id  bigint      not null,
  at  timestamptz not null,
  constraint events_pkey primary key (id, at)
) partition by range (at);
-- guard_key => false: this scratch table must accept the out-of-range rows the faults need.
select lives_ok($$select * from base.register_partitioned_table('monitoring_test.events', 'month', premake => 3, guard_key => false)$$,
                'a scratch partitioned table is put under maintenance');

create temporary view health as
select check_name, severity, value, details, recommended_action
  from monitoring.partition_health where object_name = 'monitoring_test.events';

select is(array(select severity from health order by check_name), array['ok', 'ok', 'ok'],
          'freshly maintained: default rows, future partitions and retention are all ok');

-- Rows in the DEFAULT partition.
insert into monitoring_test.events values (1, now() + interval '2 years');
select is((select severity from health where check_name = 'default_partition_rows'), 'warning',
          'one row beyond the premade partitions lands in DEFAULT: warning');
select is((select value from health where check_name = 'default_partition_rows'), 1::numeric, 'the row is counted');
insert into monitoring_test.events select g, now() + interval '2 years' from generate_series(2, 10000) as g;
select is((select severity from health where check_name = 'default_partition_rows'), 'critical',
          '10000 rows in DEFAULT: critical');
select is((select severity from monitoring.critical_alerts
            where check_name = 'default_partition_rows' and object_name = 'monitoring_test.events'), 'critical',
          'critical_alerts carries it');
select is((select severity from monitoring.data_integrity_checks
            where check_name = 'default_partition_rows' and object_name = 'monitoring_test.events'), 'critical',
          'data_integrity_checks carries it');
select matches((select recommended_action from health where check_name = 'default_partition_rows'),
               'base\.run_partition_maintenance\(''monitoring_test\.events''\)', 'the action names the maintenance call');
select lives_ok($$select * from base.run_partition_maintenance('monitoring_test.events')$$, 'the maintenance moves them out');
select is((select severity || ' ' || value from health where check_name = 'default_partition_rows'), 'ok 0',
          'the DEFAULT partition is empty again: ok');

-- Missing future partitions.
select lives_ok(format('drop table %s', (select partition_name from base.partitions
                                           where parent_table = 'monitoring_test.events' and not is_default
                                             and lower_bound = base.partition_period_start('month', now() + interval '3 months'))),
                'the partition three months ahead is dropped');
select is((select severity from health where check_name = 'future_partitions_ready'), 'warning',
          'two of three future partitions ready: warning');
select is((select value from health where check_name = 'future_partitions_ready'), 0.6667, 'readiness is 2/3');
select lives_ok(format('drop table %s', (select partition_name from base.partitions
                                           where parent_table = 'monitoring_test.events' and not is_default
                                             and lower_bound = base.partition_period_end('month', base.partition_period_start('month', now())))),
                'the partition of next month is dropped');
select is((select severity from health where check_name = 'future_partitions_ready'), 'critical',
          'next month has no partition: critical');
select lives_ok(format('drop table %s', (select partition_name from base.partitions
                                           where parent_table = 'monitoring_test.events' and not is_default
                                             and lower_bound = base.partition_period_start('month', now()))),
                'the partition of the current month is dropped');
select matches((select details from health where check_name = 'future_partitions_ready'),
               'no partition for the current month', 'the details say the current month has no partition');
select lives_ok($$select * from base.run_partition_maintenance('monitoring_test.events')$$, 'the maintenance premakes them again');
select is((select severity || ' ' || value from health where check_name = 'future_partitions_ready'), 'ok 1.0000',
          'all future partitions ready: ok');

-- Retention overdue.
select base.create_partition('monitoring_test.events', 'month', base.partition_period_start('month', now() - interval '1 year'));
update base.partition_config set retention = interval '6 months' where parent_table = 'monitoring_test.events';
select is((select severity || ' ' || value from health where check_name = 'partition_retention_overdue'), 'warning 1',
          'a partition older than the retention still attached: warning');
select lives_ok($$select * from base.run_partition_maintenance('monitoring_test.events')$$, 'the maintenance drops it');
select is((select severity from health where check_name = 'partition_retention_overdue'), 'ok', 'retention respected: ok');

-- Configured but gone; partitioned but not configured.
insert into base.partition_config (parent_table, granularity) values ('monitoring_test.gone', 'month');
select is((select severity from monitoring.partition_health
            where object_name = 'monitoring_test.gone' and check_name = 'partitioned_table_missing'), 'warning',
          'a configured table that does not exist: warning');
create table monitoring_test.loose (at timestamptz not null) partition by range (at);
select is((select severity from monitoring.partition_health
            where object_name = 'monitoring_test.loose' and check_name = 'unmaintained_partitioned_table'), 'warning',
          'a range-partitioned table nobody maintains: warning');

select * from finish();
rollback;
