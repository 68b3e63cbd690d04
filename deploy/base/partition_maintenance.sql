-- Deploy platform:base/partition_maintenance to pg
-- One routine keeps every time-partitioned table of the package healthy:
--   * a DEFAULT partition, so no row is ever rejected (monitoring alerts when it holds rows,
--     and the next run moves those rows into proper partitions);
--   * the current period plus `premake` future periods, created ahead of need;
--   * partitions wholly older than `retention` are detached, then dropped: a month of data goes
--     in milliseconds instead of a DELETE that bloats the table and the WAL.
-- Periods are aligned in UTC, whatever the session's TimeZone. What to keep, and for how long,
-- is data in base.partition_config, not code.

begin;

create table base.partition_config (
  parent_table  text        not null,
  granularity   text        not null,
  premake       integer     not null default 3,
  retention     interval,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint partition_config_pkey primary key (parent_table),
  constraint partition_config_granularity_check check (granularity in ('day', 'week', 'month')),
  constraint partition_config_premake_check check (premake between 1 and 120),
  constraint partition_config_retention_check check (retention > interval '0')
);

comment on table base.partition_config is
  'Every range-partitioned table the package maintains, with its period, how many future periods to keep ready and how long to keep data.';
comment on column base.partition_config.parent_table is 'Schema-qualified name of the partitioned table, e.g. base.audit_log.';
comment on column base.partition_config.granularity is 'Partition width: day, week (ISO, Monday) or month; aligned in UTC.';
comment on column base.partition_config.premake is 'How many periods after the current one must exist at all times.';
comment on column base.partition_config.retention is 'Partitions whose whole range is older than now() - retention are dropped. NULL keeps data forever.';

create trigger _100_set_updated_at
  before update on base.partition_config
  for each row execute function base.tg__set_updated_at();

alter table base.partition_config enable row level security;
create policy all_service_role on base.partition_config
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.partition_config is
  'Operators (service_role) tune premake and retention; API users never see this table.';
grant select on base.partition_config to service_role;
grant update (premake, retention) on base.partition_config to service_role;

-- Period arithmetic, pinned to UTC so the boundaries never depend on the session's TimeZone.
create function base.partition_period_start(p_granularity text, p_at timestamptz)
returns timestamptz
language sql
immutable
strict
parallel safe
as $$
  select date_trunc(p_granularity, p_at, 'UTC')
$$;
comment on function base.partition_period_start(text, timestamptz) is
  'Start (UTC-aligned) of the day, week or month that contains p_at.';

create function base.partition_period_end(p_granularity text, p_start timestamptz)
returns timestamptz
language sql
immutable
strict
parallel safe
as $$
  select ((p_start at time zone 'UTC') + ('1 ' || p_granularity)::interval) at time zone 'UTC'
$$;
comment on function base.partition_period_end(text, timestamptz) is
  'End (exclusive) of the period of the given granularity that starts at p_start, computed in UTC.';

create function base.partition_bounds(p_partition regclass, out lower_bound timestamptz, out upper_bound timestamptz)
returns record
language sql
stable
strict
as $$
  select case when m[1] = 'MINVALUE' then '-infinity' else btrim(m[1], '''') end::timestamptz,
         case when m[2] = 'MAXVALUE' then 'infinity' else btrim(m[2], '''') end::timestamptz
    from pg_catalog.pg_class as c,
         regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \((.*)\) TO \((.*)\)') as m
   where c.oid = p_partition
$$;
comment on function base.partition_bounds(regclass) is
  'The range [lower_bound, upper_bound) of a range partition on a timestamptz key; NULLs for a DEFAULT partition.';

-- The partitions of one parent, with their ranges. Monitoring reads this too.
create view base.partitions as
select pc.parent_table,
       c.oid::regclass::text                                   as partition_name,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' as is_default,
       b.lower_bound,
       b.upper_bound,
       c.reltuples::bigint                                     as estimated_rows
  from base.partition_config as pc
  join pg_catalog.pg_inherits as i on i.inhparent = to_regclass(pc.parent_table)
  join pg_catalog.pg_class as c on c.oid = i.inhrelid
  cross join lateral base.partition_bounds(c.oid) as b;
comment on view base.partitions is
  'Every partition of every maintained table, with its UTC range (NULL for the DEFAULT partition) and the planner''s row estimate.';
grant select on base.partitions to service_role;

-- Create the partition for [p_start, p_end) unless one already covers it. Rows that reached
-- the DEFAULT partition for that range are moved into the new partition in the same
-- transaction, so nothing is lost and the attach does not fail on them.
create function base.create_partition(p_parent regclass, p_granularity text, p_start timestamptz)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $$
declare
  v_end      timestamptz := base.partition_period_end(p_granularity, p_start);
  v_schema   name;
  v_table    name;
  v_name     text;
  v_key      name;
  v_default  regclass;
  v_moving   boolean := false;
begin
  select n.nspname, c.relname into v_schema, v_table
    from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where c.oid = p_parent;

  if exists (select from pg_catalog.pg_inherits as i
               cross join lateral base.partition_bounds(i.inhrelid) as b
              where i.inhparent = p_parent
                and b.lower_bound < v_end and b.upper_bound > p_start) then
    return null;
  end if;

  v_name := v_table || '_p' || to_char(p_start at time zone 'UTC',
                                       case p_granularity when 'month' then 'YYYYMM' else 'YYYYMMDD' end);
  if length(v_name) > 63 then
    raise exception 'partition name % is longer than 63 bytes', v_name using errcode = '22023';
  end if;

  select a.attname into v_key
    from pg_catalog.pg_partitioned_table as pt
    join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
   where pt.partrelid = p_parent;

  select i.inhrelid::regclass into v_default
    from pg_catalog.pg_inherits as i join pg_catalog.pg_class as c on c.oid = i.inhrelid
   where i.inhparent = p_parent and pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';

  if v_default is not null then
    execute format('select exists (select from %s where %I >= %L and %I < %L)',
                   v_default, v_key, p_start, v_key, v_end)
       into v_moving;
  end if;

  if v_moving then
    execute format('create table %I.%I (like %s including all)', v_schema, v_name, p_parent);
    execute format('with moved as (delete from %s where %I >= %L and %I < %L returning *) '
                   'insert into %I.%I select * from moved',
                   v_default, v_key, p_start, v_key, v_end, v_schema, v_name);
    execute format('alter table %s attach partition %I.%I for values from (%L) to (%L)',
                   p_parent, v_schema, v_name, p_start, v_end);
  else
    execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
                   v_schema, v_name, p_parent, p_start, v_end);
  end if;
  return format('%I.%I', v_schema, v_name);
end
$$;
comment on function base.create_partition(regclass, text, timestamptz) is
  'Creates the partition of p_parent for the period starting at p_start (name <table>_pYYYYMM or _pYYYYMMDD) unless one covers it, moving any rows of that range out of the DEFAULT partition. Returns the new partition''s name, or NULL when nothing was needed.';

create function base.run_partition_maintenance(p_parent_table regclass default null)
returns table (parent_table text, action text, partition_name text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $$
declare
  v_cfg     base.partition_config;
  v_parent  regclass;
  v_schema  name;
  v_table   name;
  v_key     name;
  v_start   timestamptz;
  v_name    text;
  v_part    record;
  v_default regclass;
begin
  for v_cfg in
    select * from base.partition_config as pc
     where p_parent_table is null or pc.parent_table = p_parent_table::text
     order by pc.parent_table
  loop
    v_parent := to_regclass(v_cfg.parent_table);
    if v_parent is null then
      raise warning 'partition maintenance: % is configured but does not exist', v_cfg.parent_table;
      continue;
    end if;
    select n.nspname, c.relname into v_schema, v_table
      from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where c.oid = v_parent;
    select a.attname into v_key
      from pg_catalog.pg_partitioned_table as pt
      join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
     where pt.partrelid = v_parent;

    -- 1. The DEFAULT partition: the safety net that keeps every insert working.
    select i.inhrelid::regclass into v_default
      from pg_catalog.pg_inherits as i join pg_catalog.pg_class as c on c.oid = i.inhrelid
     where i.inhparent = v_parent and pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';
    if v_default is null then
      execute format('create table %I.%I partition of %s default', v_schema, v_table || '_default', v_parent);
      parent_table := v_cfg.parent_table; action := 'created default';
      partition_name := format('%I.%I', v_schema, v_table || '_default');
      return next;
    else
      -- 2. Rows that fell into the DEFAULT partition get a proper partition of their own.
      for v_start in execute format('select distinct base.partition_period_start(%L, %I) from %s',
                                    v_cfg.granularity, v_key, v_default)
      loop
        v_name := base.create_partition(v_parent, v_cfg.granularity, v_start);
        if v_name is not null then
          parent_table := v_cfg.parent_table; action := 'created from default'; partition_name := v_name;
          return next;
        end if;
      end loop;
    end if;

    -- 3. The current period and the premade future ones.
    v_start := base.partition_period_start(v_cfg.granularity, now());
    for v_step in 0 .. v_cfg.premake loop
      v_name := base.create_partition(v_parent, v_cfg.granularity, v_start);
      if v_name is not null then
        parent_table := v_cfg.parent_table; action := 'created'; partition_name := v_name;
        return next;
      end if;
      v_start := base.partition_period_end(v_cfg.granularity, v_start);
    end loop;

    -- 4. Retention: detach, then drop, every partition wholly older than the cut-off.
    if v_cfg.retention is not null then
      for v_part in
        select i.inhrelid::regclass as rel
          from pg_catalog.pg_inherits as i
         cross join lateral base.partition_bounds(i.inhrelid) as b
         where i.inhparent = v_parent
           and b.upper_bound <= now() - v_cfg.retention
         order by b.lower_bound
      loop
        execute format('alter table %s detach partition %s', v_parent, v_part.rel);
        execute format('drop table %s', v_part.rel);
        parent_table := v_cfg.parent_table; action := 'dropped'; partition_name := v_part.rel::text;
        return next;
      end loop;
    end if;
  end loop;
end
$$;
comment on function base.run_partition_maintenance(regclass) is
  'Maintains one partitioned table (or all in base.partition_config): ensures the DEFAULT partition, moves rows out of it, premakes future partitions, and detaches then drops partitions past retention. Returns one row per action. Safe to run often.';

create function base.register_partitioned_table(
  p_parent_table regclass,
  p_granularity  text,
  p_premake      integer  default 3,
  p_retention    interval default null)
returns table (parent_table text, action text, partition_name text)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (
      select from pg_catalog.pg_partitioned_table as pt
        join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
       where pt.partrelid = p_parent_table and pt.partstrat = 'r' and pt.partnatts = 1
         and a.atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype) then
    raise exception '% is not range-partitioned on a single timestamptz column', p_parent_table
      using errcode = '22023';
  end if;

  insert into base.partition_config (parent_table, granularity, premake, retention)
  values (p_parent_table::text, p_granularity, p_premake, p_retention)
  on conflict on constraint partition_config_pkey do update
     set granularity = excluded.granularity, premake = excluded.premake, retention = excluded.retention;

  return query select m.parent_table, m.action, m.partition_name
                 from base.run_partition_maintenance(p_parent_table) as m;
end
$$;
comment on function base.register_partitioned_table(regclass, text, integer, interval) is
  'Puts a range-partitioned table (single timestamptz key) under maintenance and creates its DEFAULT, current and premade partitions at once. Called by module deploy scripts. 22023 for a table of the wrong shape.';

revoke execute on function base.partition_period_start(text, timestamptz) from public;
revoke execute on function base.partition_period_end(text, timestamptz) from public;
revoke execute on function base.partition_bounds(regclass) from public;
revoke execute on function base.create_partition(regclass, text, timestamptz) from public;
revoke execute on function base.run_partition_maintenance(regclass) from public;
revoke execute on function base.register_partitioned_table(regclass, text, integer, interval) from public;
grant execute on function base.partition_period_start(text, timestamptz) to service_role;
grant execute on function base.partition_period_end(text, timestamptz) to service_role;
grant execute on function base.partition_bounds(regclass) to service_role;
grant execute on function base.run_partition_maintenance(regclass) to service_role;

commit;
