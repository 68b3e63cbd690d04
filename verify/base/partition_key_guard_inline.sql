-- Verify platform:base/partition_key_guard_inline on pg

begin;

-- The sync trigger writes the window as a WHEN clause ...
select 1 / (pg_catalog.pg_get_functiondef('base.tg_partition_config__sync_key_guard()'::pg_catalog.regprocedure)
            like '%''when (new.%I < pg_catalog.statement_timestamp() - %L::interval ''%')::int;

-- ... and every partition key guard on a maintained parent carries it.
select 1 / (count(*) = 0)::int
  from base.partition_config as pc
  join pg_catalog.pg_trigger as t
    on t.tgrelid = pg_catalog.to_regclass(pc.parent_table) and t.tgname = '_000_check_partition_key'
 where t.tgqual is null;

rollback;
