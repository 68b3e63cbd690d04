-- Revert platform:base/partition_maintenance from pg

begin;

drop function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval);
drop function base.run_partition_maintenance(regclass);
drop function base.maintain_partitioned_table(base.partition_config);
drop function base.create_partition(regclass, text, timestamptz);
drop view base.partitions;
drop function internal.partition_copy_truncate_guard(regclass, regclass);
drop trigger _200_sync_key_guard on base.partition_config;
drop function base.tg_partition_config__sync_key_guard();
drop function internal.tg__check_partition_key();
drop function base.partition_bounds(regclass);
drop function base.partition_period_end(text, timestamptz);
drop function base.partition_period_start(text, timestamptz);
drop table base.partition_config;

commit;
