-- Deploy platform:base/partition_maintenance to pg
-- One routine keeps every time-partitioned table of the package healthy:
--   * a DEFAULT partition, so no row is ever rejected (monitoring alerts when it holds rows,
--     and the next run moves those rows into proper partitions);
--   * the current period plus `premake` future periods, created ahead of need;
--   * partitions wholly older than `retention` are detached, then dropped: a month of data goes
--     in milliseconds instead of a DELETE that bloats the table and the WAL.
-- Periods are aligned in UTC, whatever the session's TimeZone. What to keep, and for how long,
-- is data in base.partition_config, not code.
--
-- Resilience (hardening issue, items 2 and 5):
--   * Partition keys are bounded. Each maintained table has a key window in base.partition_config
--     (key_past_window back, key_future_window ahead of the statement's time); the row trigger
--     _000_check_partition_key, which the config keeps on the parent (and PostgreSQL clones onto
--     every partition), refuses a key outside it with 22008 before anything is written. So
--     'infinity' or a date in the year 9999 can no longer reach the DEFAULT partition and make
--     maintenance build a partition per distinct far-away month. A table whose key no API role may
--     write (only package code, always now()) may go without the trigger (key window NULL); the
--     schema-wide test tests/pgtap/schema/partition_keys.sql checks that no API role holds INSERT
--     or UPDATE on such a key.
--   * One table cannot stop the others: each table is maintained in its own subtransaction; a
--     failure is kept in its configuration row (last_failed_at, last_failure_sqlstate,
--     last_failure_message, cleared by its next successful run), raised as a WARNING and
--     returned as a 'failed' action, and the next table still runs.
--   * One run moves rows of at most 12 periods out of a DEFAULT partition per table, so a run's
--     locks stay bounded whatever the DEFAULT partition holds.
--   * The audit log's retention has a floor (retention_floor) that only the owner may change.

begin;

create table base.partition_config (
  parent_table  text        not null,
  granularity   text        not null,
  premake       integer     not null default 3,
  retention     interval,
  retention_floor       interval,
  key_past_window       interval,
  key_future_window     interval,
  last_failed_at        timestamptz,
  last_failure_sqlstate text,
  last_failure_message  text,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint partition_config_pkey primary key (parent_table),
  constraint partition_config_granularity_check check (granularity in ('day', 'week', 'month')),
  constraint partition_config_premake_check check (premake between 1 and 120),
  constraint partition_config_retention_check check (retention > interval '0'),
  -- Retention never below the floor; NULL retention (keep forever) is always above it.
  constraint partition_config_retention_floor_check
    check (retention_floor > interval '0' and (retention is null or retention >= retention_floor)),
  -- Both bounds or neither; the future bound stays within the premade periods, so an accepted key
  -- always has a partition ready; the past bound is at most ten years.
  constraint partition_config_key_window_check check (
    (key_past_window is null) = (key_future_window is null)
    and key_past_window between interval '0' and interval '10 years'
    and key_future_window >= interval '0'
    and key_future_window <= case granularity when 'month' then make_interval(months => premake)
                                              when 'week'  then make_interval(weeks => premake)
                                              else make_interval(days => premake) end),
  constraint partition_config_last_failure_sqlstate_check check (last_failure_sqlstate ~ '^[0-9A-Z]{5}$'),
  constraint partition_config_last_failure_message_check check (length(last_failure_message) <= 2000)
);

comment on table base.partition_config is
  'Every range-partitioned table the package maintains, with its period, how many future periods to keep ready and how long to keep data.';
comment on column base.partition_config.parent_table is 'Schema-qualified name of the partitioned table, e.g. base.audit_log.';
comment on column base.partition_config.granularity is 'Partition width: day, week (ISO, Monday) or month; aligned in UTC.';
comment on column base.partition_config.premake is 'How many periods after the current one must exist at all times.';
comment on column base.partition_config.retention is 'Partitions whose whole range is older than now() - retention are dropped. NULL keeps data forever.';
comment on column base.partition_config.retention_floor is
  'Lowest retention allowed (23514 below it). Only the owner may change it: service_role may update premake and retention only. Set for base.audit_log.';
comment on column base.partition_config.key_past_window is
  'How far before the statement''s time a row''s partition key may lie (22008 otherwise); NULL with key_future_window when no API role can write the key. Not beyond retention, so accepted rows are not dropped at once. Owner-only.';
comment on column base.partition_config.key_future_window is
  'How far after the statement''s time a row''s partition key may lie (22008 otherwise); at most the premade periods. Owner-only.';
comment on column base.partition_config.last_failed_at is
  'When the last maintenance of this table failed; NULL once a later run succeeds. Monitoring alerts on it.';
comment on column base.partition_config.last_failure_sqlstate is 'SQLSTATE of that failure.';
comment on column base.partition_config.last_failure_message is 'Error message of that failure (first 2000 characters).';

create trigger _100_set_updated_at
  before update on base.partition_config
  for each row execute function base.tg__set_updated_at();

alter table base.partition_config enable row level security;
create policy all_service_role on base.partition_config
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.partition_config is
  'Operators (service_role) read the configuration and failures and tune premake and retention (column grants); API users never see this table.';
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

-- The partition key window. One shared row trigger function; the trigger carries its table's
-- window as arguments (parent, key column, past, future), so a row costs no lookup. The config
-- keeps the trigger in step (_200_sync_key_guard below). PL/pgSQL reads a field of NEW by name
-- only in static code, hence one branch per key column name the package uses (no copy of the
-- row); any other key is read through to_jsonb(NEW), correct but slower for wide rows.
create function internal.tg__check_partition_key()
returns trigger
language plpgsql
volatile
as $$
declare
  v_at timestamptz;
begin
  case tg_argv[1]
    when 'occurred_at'       then v_at := new.occurred_at;
    when 'recorded_at'       then v_at := new.recorded_at;
    when 'measured_at'       then v_at := new.measured_at;
    when 'received_at'       then v_at := new.received_at;
    when 'event_received_at' then v_at := new.event_received_at;
    when 'logged_at'         then v_at := new.logged_at;
    when 'started_at'        then v_at := new.started_at;
    when 'finished_at'       then v_at := new.finished_at;
    else v_at := (pg_catalog.to_jsonb(new) ->> tg_argv[1])::timestamptz;
  end case;
  if v_at < pg_catalog.statement_timestamp() - tg_argv[2]::interval
     or v_at > pg_catalog.statement_timestamp() + tg_argv[3]::interval then
    raise exception '%.% must lie between now() - % and now() + %, got %', tg_argv[0], tg_argv[1], tg_argv[2], tg_argv[3], v_at
      using errcode = '22008',
            detail = pg_catalog.format('Allowed: %s .. %s.', pg_catalog.statement_timestamp() - tg_argv[2]::interval,
                                       pg_catalog.statement_timestamp() + tg_argv[3]::interval),
            hint = 'The window is key_past_window / key_future_window in base.partition_config.';
  end if;
  return new;
end
$$;
comment on function internal.tg__check_partition_key() is
  'BEFORE INSERT OR UPDATE OF <key> row trigger (_000_check_partition_key) of maintained tables: refuses (22008) a partition key outside [statement time - key_past_window, statement time + key_future_window]. Arguments: parent table, key column, past window, future window, copied from base.partition_config.';
revoke execute on function internal.tg__check_partition_key() from public;

-- Keeps _000_check_partition_key on the parent equal to the configured window: created, replaced
-- or dropped whenever the window is written. Only the owner writes these columns (no grant), and
-- runs the DDL as itself.
create function base.tg_partition_config__sync_key_guard()
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
      'execute function internal.tg__check_partition_key(%L, %L, %L, %L)',
      v_key, v_parent, new.parent_table, v_key, new.key_past_window, new.key_future_window);
  end if;
  return null;
end
$$;
comment on function base.tg_partition_config__sync_key_guard() is
  'AFTER INSERT OR UPDATE OF key_past_window, key_future_window trigger on base.partition_config: (re)creates the _000_check_partition_key trigger of the table with the configured window, or drops it when the window is NULL.';
revoke execute on function base.tg_partition_config__sync_key_guard() from public;

create trigger _200_sync_key_guard
  after insert or update of key_past_window, key_future_window on base.partition_config
  for each row execute function base.tg_partition_config__sync_key_guard();
comment on trigger _200_sync_key_guard on base.partition_config is
  'Keeps each maintained table''s partition key trigger equal to its configured window.';

-- TRUNCATE triggers are not inherited: a partition created here gets the parent's append-only
-- TRUNCATE guard (base/append_only) itself.
create function internal.partition_copy_truncate_guard(p_parent regclass, p_partition regclass)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select from pg_catalog.pg_trigger as t
              where t.tgrelid = p_parent and t.tgname = '_000_append_only_truncate')
     and not exists (select from pg_catalog.pg_trigger as t
                      where t.tgrelid = p_partition and t.tgname = '_000_append_only_truncate') then
    execute pg_catalog.format('create trigger _000_append_only_truncate before truncate on %s '
                              'for each statement execute function internal.tg__append_only()', p_partition);
  end if;
end
$$;
comment on function internal.partition_copy_truncate_guard(regclass, regclass) is
  'Gives a new partition of an append-only table the TRUNCATE guard its parent has (TRUNCATE triggers are not inherited).';
revoke execute on function internal.partition_copy_truncate_guard(regclass, regclass) from public;

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
-- transaction, so nothing is lost and the attach does not fail on them. The move deletes them
-- from the DEFAULT partition with its append-only guard (base/append_only) disabled for that one
-- statement: the ALTER TABLE holds a lock that keeps every other session off the DEFAULT
-- partition until this transaction ends, and the guard is enabled again before it does, so no
-- other session ever sees it off (catalog changes are transactional). Only the owner and the
-- owner's maintenance run this function; no API role can call it.
create function base.create_partition(p_parent regclass, p_granularity text, p_start timestamptz)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $$
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
  if p_start is null or not isfinite(p_start)
     or p_start < '0001-01-01 00:00+00' or p_start >= '9999-01-01 00:00+00' then
    raise exception 'no partition of % can start at %: a period start must be a finite time between years 1 and 9998',
      p_parent, coalesce(p_start::text, 'NULL')
      using errcode = '22023';
  end if;
  v_end := base.partition_period_end(p_granularity, p_start);

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
  if v_name is null or v_name !~ '_p[0-9]{6}([0-9]{2})?$' then
    raise exception 'could not build a partition name for % at % (granularity %; allowed: day, week, month)',
      p_parent, p_start, coalesce(p_granularity, 'NULL')
      using errcode = '22023';
  end if;
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
    select exists (select from pg_catalog.pg_trigger as t
                    where t.tgrelid = v_default and t.tgname = '_000_append_only' and t.tgenabled <> 'D')
      into v_guarded;
    execute format('create table %I.%I (like %s including all)', v_schema, v_name, p_parent);
    if v_guarded then
      execute format('alter table %s disable trigger _000_append_only', v_default);
    end if;
    execute format('with moved as (delete from %s where %I >= %L and %I < %L returning *) '
                   'insert into %I.%I select * from moved',
                   v_default, v_key, p_start, v_key, v_end, v_schema, v_name);
    if v_guarded then
      execute format('alter table %s enable trigger _000_append_only', v_default);
    end if;
    execute format('alter table %s attach partition %I.%I for values from (%L) to (%L)',
                   p_parent, v_schema, v_name, p_start, v_end);
  else
    execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
                   v_schema, v_name, p_parent, p_start, v_end);
  end if;
  perform internal.partition_copy_truncate_guard(p_parent, format('%I.%I', v_schema, v_name)::regclass);
  return format('%I.%I', v_schema, v_name);
end
$$;
comment on function base.create_partition(regclass, text, timestamptz) is
  'Creates the partition of p_parent for the period starting at p_start (name <table>_pYYYYMM or _pYYYYMMDD) unless one covers it, moving any rows of that range out of the DEFAULT partition (past its append-only guard, for that statement only) and copying the parent''s TRUNCATE guard. Returns the new partition''s name, or NULL when nothing was needed. 22023 for a start that is not a finite time in years 1..9998 or a name that cannot be built.';

-- The work of one table, for run_partition_maintenance, which runs it in a subtransaction.
create function base.maintain_partitioned_table(p_cfg base.partition_config)
returns table (action text, partition_name text)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $$
declare
  -- At most this many periods leave the DEFAULT partition per run (each is a new partition and
  -- its locks); the rest follow in the next runs.
  c_max_from_default constant integer := 12;
  v_parent  regclass := to_regclass(p_cfg.parent_table);
  v_schema  name;
  v_table   name;
  v_key     name;
  v_start   timestamptz;
  v_name    text;
  v_part    record;
  v_default regclass;
  v_periods timestamptz[];
begin
  if v_parent is null then
    raise warning 'partition maintenance: % is configured but does not exist', p_cfg.parent_table;
    return;
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
    perform internal.partition_copy_truncate_guard(v_parent, format('%I.%I', v_schema, v_table || '_default')::regclass);
    action := 'created default'; partition_name := format('%I.%I', v_schema, v_table || '_default');
    return next;
  else
    -- 2. Rows that fell into the DEFAULT partition get a proper partition of their own, oldest
    --    period first, at most c_max_from_default periods per run. Rows dated at +-infinity (or
    --    beyond the year 9998) cannot have a partition: they stay where monitoring reports them.
    --    The periods are read first: create_partition alters the DEFAULT partition, which an
    --    open cursor on it would forbid.
    execute format(
        'select array(select distinct base.partition_period_start(%L, %I) as s from %s '
        'where %I >= %L and %I < %L order by s limit %s)',
        p_cfg.granularity, v_key, v_default, v_key, '0001-01-01 00:00+00', v_key, '9999-01-01 00:00+00',
        c_max_from_default)
       into v_periods;
    foreach v_start in array v_periods
    loop
      v_name := base.create_partition(v_parent, p_cfg.granularity, v_start);
      if v_name is not null then
        action := 'created from default'; partition_name := v_name;
        return next;
      end if;
    end loop;
  end if;

  -- 3. The current period and the premade future ones.
  v_start := base.partition_period_start(p_cfg.granularity, now());
  for v_step in 0 .. p_cfg.premake loop
    v_name := base.create_partition(v_parent, p_cfg.granularity, v_start);
    if v_name is not null then
      action := 'created'; partition_name := v_name;
      return next;
    end if;
    v_start := base.partition_period_end(p_cfg.granularity, v_start);
  end loop;

  -- 4. Retention: detach, then drop, every partition wholly older than the cut-off.
  if p_cfg.retention is not null then
    for v_part in
      select i.inhrelid::regclass as rel
        from pg_catalog.pg_inherits as i
       cross join lateral base.partition_bounds(i.inhrelid) as b
       where i.inhparent = v_parent
         and b.upper_bound <= now() - p_cfg.retention
       order by b.lower_bound
    loop
      execute format('alter table %s detach partition %s', v_parent, v_part.rel);
      execute format('drop table %s', v_part.rel);
      action := 'dropped'; partition_name := v_part.rel::text;
      return next;
    end loop;
  end if;
end
$$;
comment on function base.maintain_partitioned_table(base.partition_config) is
  'One table''s maintenance (called by run_partition_maintenance inside a subtransaction): DEFAULT partition, at most 12 periods moved out of it, current and premade partitions, retention. Returns one row per action; raises on failure.';

create function base.run_partition_maintenance(p_parent_table regclass default null)
returns table (parent_table text, action text, partition_name text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $$
declare
  v_cfg      base.partition_config;
  v_actions  text[];
  v_names    text[];
  v_state    text;
  v_message  text;
begin
  for v_cfg in
    select * from base.partition_config as pc
     where p_parent_table is null or pc.parent_table = p_parent_table::text
     order by pc.parent_table
  loop
    -- Each table in its own subtransaction: a failure undoes that table's work only, is recorded
    -- on its configuration row and returned, and the next table still runs.
    begin
      select coalesce(array_agg(m.action order by m.n), '{}'), coalesce(array_agg(m.partition_name order by m.n), '{}')
        into v_actions, v_names
        from base.maintain_partitioned_table(v_cfg) with ordinality as m(action, partition_name, n);
      if v_cfg.last_failed_at is not null then
        update base.partition_config as pc
           set last_failed_at = null, last_failure_sqlstate = null, last_failure_message = null
         where pc.parent_table = v_cfg.parent_table;
      end if;
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      update base.partition_config as pc
         set last_failed_at = clock_timestamp(), last_failure_sqlstate = v_state,
             last_failure_message = left(v_message, 2000)
       where pc.parent_table = v_cfg.parent_table;
      raise warning 'partition maintenance of % failed (SQLSTATE %): %', v_cfg.parent_table, v_state, v_message;
      parent_table := v_cfg.parent_table; action := 'failed'; partition_name := null;
      return next;
      continue;
    end;
    return query select v_cfg.parent_table, a.action, a.partition_name
                   from unnest(v_actions, v_names) as a(action, partition_name);
  end loop;
end
$$;
comment on function base.run_partition_maintenance(regclass) is
  'Maintains one partitioned table (or all in base.partition_config), each in its own subtransaction: ensures the DEFAULT partition, moves rows of at most 12 periods out of it, premakes future partitions, and detaches then drops partitions past retention. Returns one row per action; a table whose maintenance fails returns action ''failed'', keeps the error in last_failed_at / last_failure_sqlstate / last_failure_message of its configuration row (cleared by its next successful run) and does not stop the others. Safe to run often.';

create function base.register_partitioned_table(
  p_parent_table      regclass,
  p_granularity       text,
  p_premake           integer  default 3,
  p_retention         interval default null,
  p_guard_key         boolean  default true,
  p_key_past_window   interval default null,
  p_key_future_window interval default interval '1 day',
  p_retention_floor   interval default null)
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

  insert into base.partition_config
    (parent_table, granularity, premake, retention, retention_floor, key_past_window, key_future_window)
  values (p_parent_table::text, p_granularity, p_premake, p_retention, p_retention_floor,
          case when p_guard_key then coalesce(p_key_past_window, p_retention, interval '1 year') end,
          case when p_guard_key then p_key_future_window end)
  on conflict on constraint partition_config_pkey do update
     set granularity = excluded.granularity, premake = excluded.premake, retention = excluded.retention,
         retention_floor = excluded.retention_floor, key_past_window = excluded.key_past_window,
         key_future_window = excluded.key_future_window;

  return query select m.parent_table, m.action, m.partition_name
                 from base.run_partition_maintenance(p_parent_table) as m;
end
$$;
comment on function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval) is
  'Puts a range-partitioned table (single timestamptz key) under maintenance and creates its DEFAULT, current and premade partitions at once. The partition key is bounded (trigger _000_check_partition_key) to p_key_past_window back (default: the retention, else 1 year) and p_key_future_window ahead (default 1 day); p_guard_key => false leaves it unbounded, for a key only package code writes. p_retention_floor: lowest retention anyone but the owner may set. Called by module deploy scripts. 22023 for a table of the wrong shape, 23514 for a configuration outside its checks.';

revoke execute on function base.partition_period_start(text, timestamptz) from public;
revoke execute on function base.partition_period_end(text, timestamptz) from public;
revoke execute on function base.partition_bounds(regclass) from public;
revoke execute on function base.create_partition(regclass, text, timestamptz) from public;
revoke execute on function base.run_partition_maintenance(regclass) from public;
revoke execute on function base.maintain_partitioned_table(base.partition_config) from public;
revoke execute on function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval) from public;
grant execute on function base.partition_period_start(text, timestamptz) to service_role;
grant execute on function base.partition_period_end(text, timestamptz) to service_role;
grant execute on function base.partition_bounds(regclass) to service_role;
grant execute on function base.run_partition_maintenance(regclass) to service_role;

commit;
