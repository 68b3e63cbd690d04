-- Verify platform:base/partition_maintenance on pg

begin;

select parent_table, granularity, premake, retention, created_at, updated_at
  from base.partition_config
 where false;

select parent_table, partition_name, is_default, lower_bound, upper_bound, estimated_rows
  from base.partitions
 where false;

select 1 / (base.partition_period_end('month', '2026-12-01 00:00+00') = '2027-01-01 00:00+00')::int;

select 'base.run_partition_maintenance(regclass)'::regprocedure;
select 'base.register_partitioned_table(regclass, text, integer, interval)'::regprocedure;

rollback;
