-- Deploy platform:base/partition_key_guard_inline to pg
-- The partition key window is checked in the trigger's WHEN clause, so that the guard function runs
-- only for a key outside the window, to raise 22008. The window is a constant of each trigger
-- already (its arguments); as a WHEN clause PostgreSQL evaluates it inline, without calling
-- internal.tg__check_partition_key, whose call (with the pinned search_path that Supabase's
-- advisor 0011 requires) cost every insert into a maintained table a few microseconds: the task
-- history row of each completed task, every event, delivery and log line. Same rule, same error.
-- The sync trigger now writes the WHEN clause; every existing guard is re-created by touching its
-- configured window.

begin;

set local lock_timeout = '5s';
-- Citus: the guards are triggers on distributed tables, re-created here (a placeholder setting where
-- Citus is absent); function and trigger DDL in one transaction need sequential shard commands.
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function base.tg_partition_config__sync_key_guard()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_parent regclass := pg_catalog.to_regclass(new.parent_table);
  v_key    name;
begin
  if v_parent is null then
    return null;   -- configured before it exists: register_partitioned_table checks the table
  end if;
  select a.attname into v_key
    from pg_catalog.pg_partitioned_table as pt
    join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
   where pt.partrelid = v_parent;
  if exists (select from pg_catalog.pg_trigger as t
              where t.tgrelid = v_parent and t.tgname = '_000_check_partition_key') then
    execute pg_catalog.format('drop trigger _000_check_partition_key on %s', v_parent);
  end if;
  if new.key_past_window is not null then
    execute pg_catalog.format(
      'create trigger _000_check_partition_key before insert or update of %I on %s for each row '
      'when (new.%I < pg_catalog.statement_timestamp() - %L::interval '
      '      or new.%I > pg_catalog.statement_timestamp() + %L::interval) '
      'execute function internal.tg__check_partition_key(%L, %L, %L, %L)',
      v_key, v_parent, v_key, new.key_past_window, v_key, new.key_future_window,
      new.parent_table, v_key, new.key_past_window, new.key_future_window);
  end if;
  return null;
end
$$;

comment on function base.tg_partition_config__sync_key_guard() is
  'AFTER INSERT OR UPDATE OF key_past_window, key_future_window trigger on base.partition_config: (re)creates the _000_check_partition_key trigger of the table with the configured window (as its WHEN clause and its arguments), or drops it when the window is NULL.';
comment on function internal.tg__check_partition_key() is
  'BEFORE INSERT OR UPDATE OF <key> row trigger (_000_check_partition_key) of maintained tables: refuses (22008) a partition key outside [statement time - key_past_window, statement time + key_future_window]. The trigger''s WHEN clause holds the same window, so the function runs only for a key outside it. Arguments: parent table, key column, past window, future window, copied from base.partition_config.';

-- Re-create every guard with its WHEN clause (the sync trigger fires on the window columns).
update base.partition_config
   set key_past_window = key_past_window
 where key_past_window is not null;

commit;
