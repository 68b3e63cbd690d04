-- Deploy platform:base/default_partition_move_on_citus to pg
-- Partition maintenance moves the rows that landed in a DEFAULT partition (say a metric recorded two
-- months ago, before its month's partition existed) into the partition it creates for them. On
-- Citus that failed at three points, so the table's maintenance failed as a whole (a WARNING, the
-- failure recorded in base.partition_config) and nothing was premade, moved or dropped for it:
--   * base.create_partition asked `exists (select from <default> ...)`, a read of every shard,
--     which Citus cannot read back without a column: 42601 "a column definition list is required
--     for functions returning record"; it selects a constant now;
--   * moving the rows after reads of the table in parallel: "cannot modify table ... because there
--     was a parallel operation on a distributed table in the transaction"; on Citus
--     create_partition and run_partition_maintenance run their shard commands sequentially;
--   * Citus distributes the attached table and copies its rows to the shards, leaving the
--     coordinator's copy on disk; create_partition truncates that copy.
-- On one node the same statements run as before.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION base.create_partition(parent regclass, granularity text, start timestamp with time zone)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET lock_timeout TO '10s'
AS $function$
declare
  v_end      timestamptz;
  v_schema   name;
  v_table    name;
  v_name     text;
  v_key      name;
  v_default  regclass;
  v_moving   boolean := false;
  v_guarded  boolean := false;
begin
  if create_partition.start is null or not isfinite(create_partition.start)
     or create_partition.start < '0001-01-01 00:00+00' or create_partition.start >= '9999-01-01 00:00+00' then
    raise exception 'no partition of % can start at %: a period start must be a finite time between years 1 and 9998',
      create_partition.parent, coalesce(create_partition.start::text, 'NULL')
      using errcode = '22023';
  end if;
  v_end := base.partition_period_end(create_partition.granularity, create_partition.start);

  select n.nspname, c.relname into v_schema, v_table
    from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where c.oid = create_partition.parent;

  if exists (select from pg_catalog.pg_inherits as i
               cross join lateral base.partition_bounds(i.inhrelid) as b
              where i.inhparent = create_partition.parent
                and b.lower_bound < v_end and b.upper_bound > create_partition.start) then
    return null;
  end if;

  v_name := v_table || '_p' || to_char(create_partition.start at time zone 'UTC',
                                       case create_partition.granularity when 'month' then 'YYYYMM' else 'YYYYMMDD' end);
  if v_name is null or v_name !~ '_p[0-9]{6}([0-9]{2})?$' then
    raise exception 'could not build a partition name for % at % (granularity %; allowed: day, week, month)',
      create_partition.parent, create_partition.start, coalesce(create_partition.granularity, 'NULL')
      using errcode = '22023';
  end if;
  if length(v_name) > 63 then
    raise exception 'partition name % is longer than 63 bytes', v_name using errcode = '22023';
  end if;

  select a.attname into v_key
    from pg_catalog.pg_partitioned_table as pt
    join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
   where pt.partrelid = create_partition.parent;

  select i.inhrelid::regclass into v_default
    from pg_catalog.pg_inherits as i join pg_catalog.pg_class as c on c.oid = i.inhrelid
   where i.inhparent = create_partition.parent and pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';

  if v_default is not null then
    execute format('select exists (select 1 from %s where %I >= %L and %I < %L)',
                   v_default, v_key, create_partition.start, v_key, v_end)
       into v_moving;
  end if;

  if v_moving then
    select exists (select from pg_catalog.pg_trigger as t
                    where t.tgrelid = v_default and t.tgname = '_000_append_only' and t.tgenabled <> 'D')
      into v_guarded;
    execute format('create table %I.%I (like %s including all)', v_schema, v_name, create_partition.parent);
    if v_guarded then
      execute format('alter table %s disable trigger _000_append_only', v_default);
    end if;
    execute format('with moved as (delete from %s where %I >= %L and %I < %L returning *) '
                   'insert into %I.%I select * from moved',
                   v_default, v_key, create_partition.start, v_key, v_end, v_schema, v_name);
    if v_guarded then
      execute format('alter table %s enable trigger _000_append_only', v_default);
    end if;
    execute format('alter table %s attach partition %I.%I for values from (%L) to (%L)',
                   create_partition.parent, v_schema, v_name, create_partition.start, v_end);
    -- Citus distributes the table it attaches and copies its rows to the shards; the coordinator's
    -- own copy is then invisible dead weight (dynamic SQL: the function exists with Citus only).
    if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
      execute 'select pg_catalog.truncate_local_data_after_distributing_table($1)'
        using format('%I.%I', v_schema, v_name)::regclass;
    end if;
  else
    execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
                   v_schema, v_name, create_partition.parent, create_partition.start, v_end);
  end if;
  perform internal.partition_copy_truncate_guard(create_partition.parent, format('%I.%I', v_schema, v_name)::regclass);
  return format('%I.%I', v_schema, v_name);
end
$function$;

-- On Citus: partition maintenance runs its shard commands one at a time, so that moving rows out
-- of a DEFAULT partition and attaching their new partition may follow reads of the same tables in
-- the transaction. Nothing happens where citus is absent.
do $citus$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    alter function base.create_partition(regclass, text, timestamptz) set citus.multi_shard_modify_mode = sequential;
    alter function base.run_partition_maintenance(regclass) set citus.multi_shard_modify_mode = sequential;
  end if;
end
$citus$;

commit;
