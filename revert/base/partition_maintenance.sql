-- Revert platform:base/partition_maintenance from pg

begin;

drop function base.register_partitioned_table(regclass, text, integer, interval);
drop function base.run_partition_maintenance(regclass);
drop function base.create_partition(regclass, text, timestamptz);
drop view base.partitions;
drop function base.partition_bounds(regclass);
drop function base.partition_period_end(text, timestamptz);
drop function base.partition_period_start(text, timestamptz);
drop table base.partition_config;

commit;
