-- Deploy platform:base/append_only to pg
-- One guard for every append-only history or log table (the audit log, status histories, task
-- history, execution logs, processing logs...). base.enable_append_only(table) attaches
--   * _000_append_only: BEFORE UPDATE OR DELETE, for each row, on the table (a partitioned table
--     clones it onto every partition, present and future);
--   * _000_append_only_truncate: BEFORE TRUNCATE, for each statement, on the table AND on each of
--     its partitions, because TRUNCATE triggers are not inherited: without it the owner could
--     TRUNCATE one month of the audit log. base.create_partition gives every partition it creates
--     the same trigger when its parent has one.
-- The guard refuses every role, the owner included, with 42501. Two removals stay possible:
--   * retention: partitions are detached, then dropped (DROP fires no trigger);
--   * a cascade: deleting an organization (or a project, an issue) deletes its history through
--     the foreign key's ON DELETE CASCADE or a package trigger. Those DELETEs run inside a
--     trigger (pg_trigger_depth() > 1 in the guard), which no API role can create; a caller's
--     own DELETE on the table runs at depth 1 and is refused.
-- The guard trigger is also the catalog's mark of an append-only table: the schema-wide test
-- (tests/pgtap/schema/append_only.sql) finds the tables by it.

begin;

create function internal.tg__append_only()
returns trigger
language plpgsql
volatile
as $$
declare
  v_root text;
begin
  if tg_op = 'DELETE' and pg_catalog.pg_trigger_depth() > 1 then
    return old;    -- a cascade from a deleted organization, project or issue (see base/append_only)
  end if;
  -- Name the table the caller knows: a partition's row triggers report the partition.
  select pg_catalog.format('%I.%I', n.nspname, c.relname) into v_root
    from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where c.oid = coalesce(pg_catalog.pg_partition_root(tg_relid), tg_relid);
  raise exception '% is append-only: % is not allowed', v_root, tg_op
    using errcode = '42501',
          detail = pg_catalog.format('Refused on %I.%I.', tg_table_schema, tg_table_name),
          hint = 'Old entries leave only through partition retention (base.partition_config) or with the organization, project or issue they belong to.';
end
$$;
comment on function internal.tg__append_only() is
  'Guard of append-only tables (base.enable_append_only): refuses UPDATE, DELETE and TRUNCATE with 42501 for every role, the owner included, except a DELETE cascaded from a parent row (run by a trigger, pg_trigger_depth() > 1).';
revoke execute on function internal.tg__append_only() from public;

create function base.enable_append_only(p_table regclass)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_part regclass;
begin
  execute format('create trigger _000_append_only before update or delete on %s '
                 'for each row execute function internal.tg__append_only()', p_table);
  execute format('create trigger _000_append_only_truncate before truncate on %s '
                 'for each statement execute function internal.tg__append_only()', p_table);
  -- TRUNCATE triggers are not inherited: give every existing partition its own.
  for v_part in
    select i.inhrelid::regclass from pg_catalog.pg_partition_tree(p_table) as i(inhrelid)
     where i.inhrelid <> p_table
  loop
    execute format('create trigger _000_append_only_truncate before truncate on %s '
                   'for each statement execute function internal.tg__append_only()', v_part);
  end loop;
end
$$;
comment on function base.enable_append_only(regclass) is
  'Makes a table append-only: the internal.tg__append_only guard as a row trigger (_000_append_only, cloned to partitions) and as a TRUNCATE trigger (_000_append_only_truncate) on the table and each partition. Used by module deploy scripts, after their grants leave API roles no UPDATE, DELETE or TRUNCATE.';
revoke execute on function base.enable_append_only(regclass) from public;

commit;
