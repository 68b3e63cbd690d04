-- Verify platform:base/partition_maintenance on pg

begin;

select parent_table, granularity, premake, retention, retention_floor, key_past_window, key_future_window,
       last_failed_at, last_failure_sqlstate, last_failure_message, created_at, updated_at
  from base.partition_config
 where false;

select parent_table, partition_name, is_default, lower_bound, upper_bound, estimated_rows
  from base.partitions
 where false;

select 1 / (base.partition_period_end('month', '2026-12-01 00:00+00') = '2027-01-01 00:00+00')::int;

select 'base.run_partition_maintenance(regclass)'::regprocedure;
select 'base.maintain_partitioned_table(base.partition_config)'::regprocedure;
select 'base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval)'::regprocedure;
select 'internal.tg__check_partition_key()'::regprocedure;
select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'base.partition_config'::regclass and tgname = '_200_sync_key_guard';

-- The floor and the key window are the owner's: service_role may not update them.
select 1 / (not has_column_privilege('service_role', 'base.partition_config', c, 'update'))::int
  from unnest(array['retention_floor', 'key_past_window', 'key_future_window']) as c;

rollback;
