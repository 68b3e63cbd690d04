-- Verify platform:base/default_partition_move_on_citus on pg

begin;

select 1 / (position('truncate_local_data_after_distributing_table' in pg_catalog.pg_get_functiondef('base.create_partition(regclass, text, timestamptz)'::regprocedure)) > 0)::integer;

rollback;
