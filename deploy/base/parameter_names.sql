-- Deploy platform:base/parameter_names to pg
-- One parameter naming rule (docs/conventions.md, "Naming"): functions of the exposed schemas take
-- bare nouns (PostgREST sends them as JSON keys, callers use named notation), functions of internal
-- take p_ names. PostgreSQL cannot rename a parameter in place ("cannot change name of input
-- parameter"), so each function is dropped and created again: same body logic (every parameter
-- referenced qualified by the function name), volatility, strictness, security, settings, comment and
-- grants. Renamed here:
--   base.create_partition, enable_append_only, enable_audit, has_organization_role,
--   maintain_partitioned_table, partition_bounds, partition_period_end, partition_period_start,
--   refuse_oversized, register_partitioned_table, run_partition_maintenance, uuid_v7_timestamp:
--   p_x -> x (p_table -> table_name, p_cfg -> config, p_limit -> max_size, and p_parent_table -> parent,
--   as create_partition's: their result column is parent_table);
--   internal.accept_invitation, create_organization, invite_member, revoke_invitation: x -> p_x.
-- Dependants re-created: the view base.partitions (calls partition_bounds). monitoring/parameter_names
-- gives monitoring.partition_health's remediation text register_partitioned_table's new names.
--
-- squawk: a parameter is renamed only by DROP FUNCTION and CREATE FUNCTION in one transaction;
-- callers using positional notation see no change, named-notation callers of the old names are the
-- breaking change this release lists.
-- squawk-ignore-file ban-drop-function
-- squawk-ignore-file ban-drop-view

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

-- base.partitions calls partition_bounds: out of the way first.
drop view base.partitions;

drop function base.create_partition(regclass, text, timestamp with time zone);
drop function base.enable_append_only(regclass);
drop function base.enable_audit(regclass);
drop function base.has_organization_role(uuid, base.organization_role);
drop function base.maintain_partitioned_table(base.partition_config);
drop function base.partition_bounds(regclass);
drop function base.partition_period_end(text, timestamp with time zone);
drop function base.partition_period_start(text, timestamp with time zone);
drop function base.refuse_oversized(text, bigint, bigint);
drop function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval);
drop function base.run_partition_maintenance(regclass);
drop function base.uuid_v7_timestamp(uuid);
drop function internal.accept_invitation(uuid);
drop function internal.create_organization(text, text, text);
drop function internal.invite_member(uuid, text, base.organization_role, interval);
drop function internal.revoke_invitation(uuid);

create function base.create_partition(parent regclass, granularity text, start timestamp with time zone)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $function$
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
    execute format('select exists (select from %s where %I >= %L and %I < %L)',
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
  else
    execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
                   v_schema, v_name, create_partition.parent, create_partition.start, v_end);
  end if;
  perform internal.partition_copy_truncate_guard(create_partition.parent, format('%I.%I', v_schema, v_name)::regclass);
  return format('%I.%I', v_schema, v_name);
end
$function$;
comment on function base.create_partition(regclass, text, timestamp with time zone) is
  'Creates the partition of parent for the period starting at start (name <table>_pYYYYMM or _pYYYYMMDD) unless one covers it, moving any rows of that range out of the DEFAULT partition (past its append-only guard, for that statement only) and copying the parent''s TRUNCATE guard. Returns the new partition''s name, or NULL when nothing was needed. 22023 for a start that is not a finite time in years 1..9998 or a name that cannot be built.';
revoke execute on function base.create_partition(regclass, text, timestamp with time zone) from public;

create function base.enable_append_only(table_name regclass)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_part regclass;
begin
  execute format('create trigger _000_append_only before update or delete on %s '
                 'for each row execute function internal.tg__append_only()', enable_append_only.table_name);
  execute format('create trigger _000_append_only_truncate before truncate on %s '
                 'for each statement execute function internal.tg__append_only()', enable_append_only.table_name);
  -- TRUNCATE triggers are not inherited: give every existing partition its own.
  for v_part in
    select i.inhrelid::regclass from pg_catalog.pg_partition_tree(enable_append_only.table_name) as i(inhrelid)
     where i.inhrelid <> enable_append_only.table_name
  loop
    execute format('create trigger _000_append_only_truncate before truncate on %s '
                   'for each statement execute function internal.tg__append_only()', v_part);
  end loop;
end
$function$;
comment on function base.enable_append_only(regclass) is
  'Makes a table append-only: the internal.tg__append_only guard as a row trigger (_000_append_only, cloned to partitions) and as a TRUNCATE trigger (_000_append_only_truncate) on the table and each partition. Used by module deploy scripts, after their grants leave API roles no UPDATE, DELETE or TRUNCATE.';
revoke execute on function base.enable_append_only(regclass) from public;

create function base.enable_audit(table_name regclass)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $function$
begin
  if not exists (select from pg_catalog.pg_attribute
                  where attrelid = enable_audit.table_name and attname = 'id' and not attisdropped) then
    raise exception '% has no id column to audit by', enable_audit.table_name using errcode = '22023';
  end if;
  execute format('create trigger _900_audit_insert after insert on %s referencing new table as new_rows '
                 'for each statement execute function internal.tg__audit_insert()', enable_audit.table_name);
  execute format('create trigger _900_audit_update after update on %s referencing old table as old_rows new table as new_rows '
                 'for each statement execute function internal.tg__audit_update()', enable_audit.table_name);
  execute format('create trigger _900_audit_delete after delete on %s referencing old table as old_rows '
                 'for each statement execute function internal.tg__audit_delete()', enable_audit.table_name);
end
$function$;
comment on function base.enable_audit(regclass) is
  'Attaches the audit triggers (_900_audit_insert/_update/_delete) to a table with an id column. Used by module deploy scripts; drop the three triggers to undo.';
revoke execute on function base.enable_audit(regclass) from public;

create function base.has_organization_role(organization_id uuid, min_role base.organization_role)
returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $function$
  select coalesce(has_organization_role.organization_id = any (internal.organization_ids_for(has_organization_role.min_role)), false)
$function$;
comment on function base.has_organization_role(uuid, base.organization_role) is
  'True when the calling user holds at least min_role in the organization. For API functions that check a single organization; policies use internal.organization_ids_for().';
revoke execute on function base.has_organization_role(uuid, base.organization_role) from public;
grant execute on function base.has_organization_role(uuid, base.organization_role) to authenticated, service_role;

create function base.maintain_partitioned_table(config base.partition_config)
returns table (action text, partition_name text)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $function$
declare
  -- At most this many periods leave the DEFAULT partition per run (each is a new partition and
  -- its locks); the rest follow in the next runs.
  c_max_from_default constant integer := 12;
  v_parent  regclass := to_regclass(maintain_partitioned_table.config.parent_table);
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
    raise warning 'partition maintenance: % is configured but does not exist', maintain_partitioned_table.config.parent_table;
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
        maintain_partitioned_table.config.granularity, v_key, v_default, v_key, '0001-01-01 00:00+00', v_key, '9999-01-01 00:00+00',
        c_max_from_default)
       into v_periods;
    foreach v_start in array v_periods
    loop
      v_name := base.create_partition(v_parent, maintain_partitioned_table.config.granularity, v_start);
      if v_name is not null then
        action := 'created from default'; partition_name := v_name;
        return next;
      end if;
    end loop;
  end if;

  -- 3. The current period and the premade future ones.
  v_start := base.partition_period_start(maintain_partitioned_table.config.granularity, now());
  for v_step in 0 .. maintain_partitioned_table.config.premake loop
    v_name := base.create_partition(v_parent, maintain_partitioned_table.config.granularity, v_start);
    if v_name is not null then
      action := 'created'; partition_name := v_name;
      return next;
    end if;
    v_start := base.partition_period_end(maintain_partitioned_table.config.granularity, v_start);
  end loop;

  -- 4. Retention: detach, then drop, every partition wholly older than the cut-off.
  if maintain_partitioned_table.config.retention is not null then
    for v_part in
      select i.inhrelid::regclass as rel
        from pg_catalog.pg_inherits as i
       cross join lateral base.partition_bounds(i.inhrelid) as b
       where i.inhparent = v_parent
         and b.upper_bound <= now() - maintain_partitioned_table.config.retention
       order by b.lower_bound
    loop
      execute format('alter table %s detach partition %s', v_parent, v_part.rel);
      execute format('drop table %s', v_part.rel);
      action := 'dropped'; partition_name := v_part.rel::text;
      return next;
    end loop;
  end if;
end
$function$;
comment on function base.maintain_partitioned_table(base.partition_config) is
  'One table''s maintenance (called by run_partition_maintenance inside a subtransaction): DEFAULT partition, at most 12 periods moved out of it, current and premade partitions, retention. Returns one row per action; raises on failure.';
revoke execute on function base.maintain_partitioned_table(base.partition_config) from public;

create function base.partition_bounds(partition regclass, out lower_bound timestamp with time zone, out upper_bound timestamp with time zone)
returns record
language sql
stable strict
set search_path = pg_catalog, pg_temp
as $function$
  select case when m[1] = 'MINVALUE' then '-infinity' else btrim(m[1], '''') end::timestamptz,
         case when m[2] = 'MAXVALUE' then 'infinity' else btrim(m[2], '''') end::timestamptz
    from pg_catalog.pg_class as c,
         regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \((.*)\) TO \((.*)\)') as m
   where c.oid = partition_bounds.partition
$function$;
comment on function base.partition_bounds(regclass) is
  'The range [lower_bound, upper_bound) of a range partition on a timestamptz key; NULLs for a DEFAULT partition.';
revoke execute on function base.partition_bounds(regclass) from public;
grant execute on function base.partition_bounds(regclass) to service_role;

create function base.partition_period_end(granularity text, start timestamp with time zone)
returns timestamp with time zone
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select ((partition_period_end.start at time zone 'UTC') + ('1 ' || partition_period_end.granularity)::interval) at time zone 'UTC'
$function$;
comment on function base.partition_period_end(text, timestamp with time zone) is
  'End (exclusive) of the period of the given granularity that starts at start, computed in UTC.';
revoke execute on function base.partition_period_end(text, timestamp with time zone) from public;
grant execute on function base.partition_period_end(text, timestamp with time zone) to service_role;

create function base.partition_period_start(granularity text, at timestamp with time zone)
returns timestamp with time zone
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select date_trunc(partition_period_start.granularity, partition_period_start.at, 'UTC')
$function$;
comment on function base.partition_period_start(text, timestamp with time zone) is
  'Start (UTC-aligned) of the day, week or month that contains at.';
revoke execute on function base.partition_period_start(text, timestamp with time zone) from public;
grant execute on function base.partition_period_start(text, timestamp with time zone) to service_role;

create function base.refuse_oversized(argument text, size bigint, max_size bigint)
returns boolean
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
begin
  raise exception '% is too large: % (at most % allowed)', refuse_oversized.argument, refuse_oversized.size, refuse_oversized.max_size
    using errcode = '22023',
          hint = 'Text is measured in characters, JSON in bytes (pg_column_size), arrays in elements.';
end
$function$;
comment on function base.refuse_oversized(text, bigint, bigint) is
  'Raises 22023 naming an argument whose size is over its cap; never returns. Called by SQL functions as (size <= cap or base.refuse_oversized(name, size, cap)).';
revoke execute on function base.refuse_oversized(text, bigint, bigint) from public;
grant execute on function base.refuse_oversized(text, bigint, bigint) to authenticated, platform_monitor, service_role;

create function base.register_partitioned_table(parent regclass, granularity text, premake integer default 3, retention interval default NULL::interval, guard_key boolean default true, key_past_window interval default NULL::interval, key_future_window interval default '1 day'::interval, retention_floor interval default NULL::interval)
returns table (parent_table text, action text, partition_name text)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $function$
begin
  if not exists (
      select from pg_catalog.pg_partitioned_table as pt
        join pg_catalog.pg_attribute as a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
       where pt.partrelid = register_partitioned_table.parent and pt.partstrat = 'r' and pt.partnatts = 1
         and a.atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype) then
    raise exception '% is not range-partitioned on a single timestamptz column', register_partitioned_table.parent
      using errcode = '22023';
  end if;

  insert into base.partition_config
    (parent_table, granularity, premake, retention, retention_floor, key_past_window, key_future_window)
  values (register_partitioned_table.parent::text, register_partitioned_table.granularity, register_partitioned_table.premake, register_partitioned_table.retention, register_partitioned_table.retention_floor,
          case when register_partitioned_table.guard_key then coalesce(register_partitioned_table.key_past_window, register_partitioned_table.retention, interval '1 year') end,
          case when register_partitioned_table.guard_key then register_partitioned_table.key_future_window end)
  on conflict on constraint partition_config_pkey do update
     set granularity = excluded.granularity, premake = excluded.premake, retention = excluded.retention,
         retention_floor = excluded.retention_floor, key_past_window = excluded.key_past_window,
         key_future_window = excluded.key_future_window;

  return query select m.parent_table, m.action, m.partition_name
                 from base.run_partition_maintenance(register_partitioned_table.parent) as m;
end
$function$;
comment on function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval) is
  'Puts a range-partitioned table (single timestamptz key) under maintenance and creates its DEFAULT, current and premade partitions at once. The partition key is bounded (trigger _000_check_partition_key) to key_past_window back (default: the retention, else 1 year) and key_future_window ahead (default 1 day); guard_key => false leaves it unbounded, for a key only package code writes. retention_floor: lowest retention anyone but the owner may set. Called by module deploy scripts. 22023 for a table of the wrong shape, 23514 for a configuration outside its checks.';
revoke execute on function base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval) from public;

create function base.run_partition_maintenance(parent regclass default NULL::regclass)
returns table (parent_table text, action text, partition_name text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '10s'
as $function$
declare
  v_cfg      base.partition_config;
  v_actions  text[];
  v_names    text[];
  v_state    text;
  v_message  text;
begin
  for v_cfg in
    select * from base.partition_config as pc
     where run_partition_maintenance.parent is null or pc.parent_table = run_partition_maintenance.parent::text
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
$function$;
comment on function base.run_partition_maintenance(regclass) is
  'Maintains one partitioned table (or all in base.partition_config), each in its own subtransaction: ensures the DEFAULT partition, moves rows of at most 12 periods out of it, premakes future partitions, and detaches then drops partitions past retention. Returns one row per action; a table whose maintenance fails returns action ''failed'', keeps the error in last_failed_at / last_failure_sqlstate / last_failure_message of its configuration row (cleared by its next successful run) and does not stop the others. Safe to run often.';
revoke execute on function base.run_partition_maintenance(regclass) from public;
grant execute on function base.run_partition_maintenance(regclass) to service_role;

create function base.uuid_v7_timestamp(id uuid)
returns timestamp with time zone
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select to_timestamp(('x' || lpad(substring(replace(uuid_v7_timestamp.id::text, '-', '') from 1 for 12), 16, '0'))::bit(64)::bigint / 1000.0)
$function$;
comment on function base.uuid_v7_timestamp(uuid) is
  'The creation time (millisecond precision) encoded in a UUIDv7. Meaningless for other UUID versions.';
revoke execute on function base.uuid_v7_timestamp(uuid) from public;
grant execute on function base.uuid_v7_timestamp(uuid) to authenticated, service_role;

create function internal.accept_invitation(p_invitation_id uuid)
returns base.organization_members
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_user   uuid := base.current_user_id();
  v_email  text := base.current_user_email();
  v_inv    base.organization_invitations;
  v_member base.organization_members;
begin
  if v_user is null then
    raise exception 'accepting an invitation needs a signed-in user'
      using errcode = '42501', hint = 'Call it with a JWT whose "sub" is your user id.';
  end if;
  if v_email is null then
    raise exception 'accepting an invitation needs the "email" claim of the identity provider in the request JWT'
      using errcode = '42501';
  end if;

  -- Read without a lock first: nobody may lock an invitation that is not theirs.
  select i.* into v_inv from base.organization_invitations as i where i.id = p_invitation_id;
  if v_inv.id is null or pg_catalog.lower(v_inv.email) <> pg_catalog.lower(v_email) then
    -- An admin of the organization sees the invitation anyway: tell them why.
    if v_inv.id is not null and base.has_organization_role(v_inv.organization_id, 'admin') then
      raise exception 'invitation % is addressed to another e-mail address than yours', v_inv.id
        using errcode = '42501', hint = 'Only its addressee may accept it.';
    end if;
    raise exception 'no invitation % addressed to %', p_invitation_id, v_email
      using errcode = 'P0002';
  end if;
  if not exists (select from base.users as u where u.id = v_user and u.is_active) then
    raise exception 'user % has no active profile in base.users', v_user
      using errcode = '55000', hint = 'Insert the user row (sign-up) first.';
  end if;

  select i.* into v_inv from base.organization_invitations as i
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
     for update;
  if v_inv.accepted_at is not null then
    raise exception 'invitation % was already accepted at %', v_inv.id, v_inv.accepted_at using errcode = '55000';
  elsif v_inv.revoked_at is not null then
    raise exception 'invitation % was revoked at %', v_inv.id, v_inv.revoked_at using errcode = '55000';
  elsif v_inv.expires_at <= pg_catalog.now() then
    raise exception 'invitation % expired at %', v_inv.id, v_inv.expires_at
      using errcode = '55000', hint = 'Ask an admin of the organization for a new invitation.';
  end if;
  if exists (select from base.organization_members as m
              where m.organization_id = v_inv.organization_id and m.user_id = v_user) then
    raise exception 'user % is already a member of organization %', v_user, v_inv.organization_id
      using errcode = '23505';
  end if;

  insert into base.organization_members (organization_id, user_id, role, invited_by)
  values (v_inv.organization_id, v_user, v_inv.role, v_inv.invited_by)
  returning * into v_member;

  update base.organization_invitations as i
     set accepted_at = pg_catalog.now(), accepted_by = v_user
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id;
  return v_member;
end
$function$;
comment on function internal.accept_invitation(uuid) is
  'The SECURITY DEFINER body of base.accept_invitation (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.accept_invitation(uuid) from public;
grant execute on function internal.accept_invitation(uuid) to authenticated;

create function internal.create_organization(p_name text, p_slug text, p_description text default NULL::text)
returns base.organizations
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_user uuid := base.current_user_id();
  v_org  base.organizations;
begin
  if v_user is null then
    raise exception 'creating an organization needs an authenticated user'
      using errcode = '42501', hint = 'Call it with a JWT whose "sub" is a user id.';
  end if;
  if not exists (select from base.users as u where u.id = v_user and u.is_active) then
    raise exception 'user % has no active profile in base.users', v_user
      using errcode = '55000', hint = 'Insert the user row (sign-up) first.';
  end if;

  insert into base.organizations (name, slug, description)
  values (p_name, p_slug, p_description)
  returning * into v_org;

  insert into base.organization_members (organization_id, user_id, role)
  values (v_org.id, v_user, 'owner');

  return v_org;
end
$function$;
comment on function internal.create_organization(text, text, text) is
  'The SECURITY DEFINER body of base.create_organization (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.create_organization(text, text, text) from public;
grant execute on function internal.create_organization(text, text, text) to authenticated, service_role;

create function internal.invite_member(p_organization_id uuid, p_email text, p_role base.organization_role default 'member'::base.organization_role, p_expires_in interval default '7 days'::interval)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_user       uuid := base.current_user_id();
  v_service    boolean := pg_catalog.pg_has_role(
                            coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
                            'service_role', 'USAGE');
  v_org        uuid := p_organization_id;
  v_email      text := pg_catalog.btrim(p_email);
  v_actor_role base.organization_role;
  v_id         uuid;
begin
  if v_org is null then
    raise exception 'invite_member: organization_id is required' using errcode = '22023';
  end if;
  if v_email is null or pg_catalog.length(v_email) > 320 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$' then
    raise exception 'invite_member: email must be an e-mail address (local@domain) of at most 320 characters'
      using errcode = '22023';
  end if;
  if p_role is null then
    raise exception 'invite_member: role must be one of viewer, member, admin, owner' using errcode = '22023';
  end if;
  if p_expires_in is null or p_expires_in <= interval '0'
     or p_expires_in > interval '30 days' then
    raise exception 'invite_member: expires_in must be more than 0 and at most 30 days'
      using errcode = '22023';
  end if;

  -- Same answer for an organization that does not exist and one the caller does not administer.
  if not v_service then
    select m.role into v_actor_role
      from base.organization_members as m
     where m.organization_id = v_org and m.user_id = v_user;
    if v_actor_role is null or v_actor_role < 'admin' then
      raise exception 'only admins and owners of organization % may invite members', v_org
        using errcode = '42501';
    end if;
    if p_role = 'owner' and v_actor_role <> 'owner' then
      raise exception 'only owners of organization % may invite an owner', v_org
        using errcode = '42501', hint = 'Admins invite viewers, members and admins.';
    end if;
  end if;

  -- The members' addresses are visible to the admin already (base.users, select_self_or_colleague).
  if exists (select from base.organization_members as m
               join base.users as u on u.id = m.user_id
              where m.organization_id = v_org and pg_catalog.lower(u.email) = pg_catalog.lower(v_email)) then
    raise exception '% is already a member of organization %', v_email, v_org using errcode = '23505';
  end if;

  -- An expired invitation to the same address is superseded.
  update base.organization_invitations as i
     set revoked_at = pg_catalog.now(), revoked_by = case when v_actor_role is not null then v_user end
   where i.organization_id = v_org and pg_catalog.lower(i.email) = pg_catalog.lower(v_email)
     and i.accepted_at is null and i.revoked_at is null and i.expires_at <= pg_catalog.now();

  begin
    insert into base.organization_invitations (organization_id, email, role, invited_by, expires_at)
    values (v_org, v_email, p_role, case when v_actor_role is not null then v_user end,
            pg_catalog.now() + p_expires_in)
    returning id into v_id;
  exception when unique_violation then
    raise exception 'a pending invitation of % to organization % exists already', v_email, v_org
      using errcode = '23505', hint = 'Revoke it (base.revoke_invitation) to invite again.';
  end;
  return v_id;
end
$function$;
comment on function internal.invite_member(uuid, text, base.organization_role, interval) is
  'The SECURITY DEFINER body of base.invite_member (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.invite_member(uuid, text, base.organization_role, interval) from public;
grant execute on function internal.invite_member(uuid, text, base.organization_role, interval) to authenticated, service_role;

create function internal.revoke_invitation(p_invitation_id uuid)
returns base.organization_invitations
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_user       uuid := base.current_user_id();
  v_service    boolean := pg_catalog.pg_has_role(
                            coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
                            'service_role', 'USAGE');
  v_inv        base.organization_invitations;
  v_actor_role base.organization_role;
begin
  -- Read without a lock first: nobody may lock an invitation they are not entitled to.
  select i.* into v_inv from base.organization_invitations as i where i.id = p_invitation_id;
  if v_inv.id is not null and not v_service then
    select m.role into v_actor_role
      from base.organization_members as m
     where m.organization_id = v_inv.organization_id and m.user_id = v_user;
  end if;
  if v_inv.id is null or not (v_service or coalesce(v_actor_role >= 'admin', false)) then
    raise exception 'no invitation % in an organization you administer', p_invitation_id
      using errcode = 'P0002';
  end if;
  if v_inv.role = 'owner' and not v_service and v_actor_role <> 'owner' then
    raise exception 'only owners of organization % may revoke an invitation to the owner role', v_inv.organization_id
      using errcode = '42501';
  end if;

  select i.* into v_inv from base.organization_invitations as i
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
     for update;
  if v_inv.accepted_at is not null then
    raise exception 'invitation % was accepted at %: remove the membership instead', v_inv.id, v_inv.accepted_at
      using errcode = '55000';
  elsif v_inv.revoked_at is not null then
    raise exception 'invitation % was already revoked at %', v_inv.id, v_inv.revoked_at using errcode = '55000';
  elsif v_inv.expires_at <= pg_catalog.now() then
    raise exception 'invitation % expired at %', v_inv.id, v_inv.expires_at using errcode = '55000';
  end if;

  update base.organization_invitations as i
     set revoked_at = pg_catalog.now(), revoked_by = case when v_actor_role is not null then v_user end
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
  returning i.* into v_inv;
  return v_inv;
end
$function$;
comment on function internal.revoke_invitation(uuid) is
  'The SECURITY DEFINER body of base.revoke_invitation (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.revoke_invitation(uuid) from public;
grant execute on function internal.revoke_invitation(uuid) to authenticated, service_role;

-- On Citus (citus/distribute), every function of the package is propagated to the workers; a
-- function created again is propagated again. Nothing happens where citus is absent.
do $citus$
declare
  v_sig text;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  for v_sig in
    select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p
     where p.oid = any (array[
        'base.create_partition(regclass, text, timestamp with time zone)',
        'base.enable_append_only(regclass)',
        'base.enable_audit(regclass)',
        'base.has_organization_role(uuid, base.organization_role)',
        'base.maintain_partitioned_table(base.partition_config)',
        'base.partition_bounds(regclass)',
        'base.partition_period_end(text, timestamp with time zone)',
        'base.partition_period_start(text, timestamp with time zone)',
        'base.refuse_oversized(text, bigint, bigint)',
        'base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval)',
        'base.run_partition_maintenance(regclass)',
        'base.uuid_v7_timestamp(uuid)',
        'internal.accept_invitation(uuid)',
        'internal.create_organization(text, text, text)',
        'internal.invite_member(uuid, text, base.organization_role, interval)',
        'internal.revoke_invitation(uuid)'
]::regprocedure[])
       and not exists (select from pg_dist_object as o
                        where o.classid = 'pg_catalog.pg_proc'::regclass and o.objid = p.oid)
       -- as citus/distribute: functions of the coordinator's local tables stay on the coordinator
       and not exists (select from pg_catalog.pg_depend as d
                         join pg_catalog.pg_type as t on t.oid = d.refobjid
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                          and d.refclassid = 'pg_catalog.pg_type'::regclass and t.typrelid <> 0
                          and not exists (select from pg_dist_partition as dp where dp.logicalrelid = t.typrelid))
     order by p.oid
  loop
    perform pg_catalog.create_distributed_function(v_sig::regprocedure);
  end loop;
end
$citus$;

-- base.partitions calls partition_bounds: created again as it was.
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

commit;
