-- Deploy platform:events/retention to pg
-- Retention of events, enforced per event type, with the base module's partition maintenance
-- doing the heavy part:
--   * The event data tables (events, the four source tables, deliveries) keep their partitions
--     for the LONGEST retention of any event type. That value is data in base.partition_config,
--     kept in step with event_types by the trigger below (a statement trigger, so an admin who
--     lengthens a type's retention is protected at once, even from a maintenance run by
--     someone else). base.run_partition_maintenance then detaches and drops whole months
--     that are past every retention: no row-by-row DELETE, no bloat, no WAL for the rows.
--   * Types with a shorter retention lose their older rows by DELETE, in bounded batches
--     (batch_size rows per statement, at most max_batches statements per call; the keys of
--     dropped months get the same budget), together with their source-table rows, deliveries
--     and idempotency keys; a scheduler calls it again until it returns 0. An organization's
--     own type overrides the built-in one of the same source and name.
--   * Events of the longest-retention types leave with their month's partition, so up to one
--     partition width (a month) after their retention; events of a type that no longer exists
--     follow the partition retention.
--   * Idempotency keys leave with their events: those of dropped months by event_received_at.
--   * event_processing_logs has its own retention (base.partition_config, 90 days) and is
--     maintained in the same call.
-- The sync trigger function is SECURITY DEFINER, so DESIGN.md would put it in `internal`; it
-- lives in `events` instead because schemas/ assigns `internal` to the base module's file
-- (00_base.sql), which this module must not change. A trigger function cannot be called
-- directly, so the schema it sits in exposes nothing.

begin;

create function events.retained_tables()
returns text[]
language sql
immutable
parallel safe
as $$
  select array['events.events', 'events.linear_events', 'events.slack_events', 'events.github_events',
               'events.deployment_events', 'events.event_deliveries']
$$;
comment on function events.retained_tables() is
  'The partitioned tables whose partitions live as long as the longest event type retention: events, the source tables and deliveries.';

create function events.tg_event_types__sync_partition_retention()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update base.partition_config as pc
     set retention = r.retention
    from (select max(t.retention) as retention from events.event_types as t) as r
   where pc.parent_table = any (events.retained_tables())
     and pc.retention is distinct from r.retention;
  return null;
end
$$;
comment on function events.tg_event_types__sync_partition_retention() is
  'AFTER statement trigger on events.event_types: sets the partition retention of the event data tables (events.retained_tables()) to the longest type retention. SECURITY DEFINER because admins who edit their types may not write base.partition_config; a trigger function cannot be called directly.';
revoke execute on function events.tg_event_types__sync_partition_retention() from public;

create trigger _800_sync_partition_retention
  after insert or update of retention or delete on events.event_types
  for each statement execute function events.tg_event_types__sync_partition_retention();

create function events.cleanup_old_events(batch_size integer default 10000, max_batches integer default 100)
returns integer
language plpgsql
volatile
as $$
declare
  v_retention interval;
  v_removed   bigint  := 0;
  v_batches   integer;
  v_n         bigint;
  v_table     text;
  v_cutoff    timestamptz;
begin
  if cleanup_old_events.batch_size is null or cleanup_old_events.batch_size not between 1 and 100000 then
    raise exception 'batch_size must be between 1 and 100000, got %', coalesce(cleanup_old_events.batch_size::text, 'null')
      using errcode = '22023';
  end if;
  if cleanup_old_events.max_batches is null or cleanup_old_events.max_batches not between 1 and 10000 then
    raise exception 'max_batches must be between 1 and 10000, got %', coalesce(cleanup_old_events.max_batches::text, 'null')
      using errcode = '22023';
  end if;

  -- 1. Partition retention = the longest type retention (the trigger keeps it so; repair drift).
  select max(t.retention) into v_retention from events.event_types as t;
  update base.partition_config as pc
     set retention = v_retention
   where pc.parent_table = any (events.retained_tables())
     and pc.retention is distinct from v_retention;

  -- 2. Count the events of the months about to go: every row older than the first month that
  --    stays, whether it sits in a proper partition or still in the DEFAULT one (maintenance
  --    moves such rows into their month's partition, then drops it with the others).
  if v_retention is not null then
    select base.partition_period_start(pc.granularity, now() - v_retention) into v_cutoff
      from base.partition_config as pc
     where pc.parent_table = 'events.events';
    select count(*) into v_n from events.events as e where e.received_at < v_cutoff;
    v_removed := v_n;
  end if;

  -- 3. Detach and drop them (and premake future months): base's one mechanism.
  foreach v_table in array events.retained_tables() || 'events.event_processing_logs'::text loop
    perform base.run_partition_maintenance(v_table::regclass);
  end loop;

  -- 4. The idempotency keys of those events go too (a repeat may now be stored again).
  v_batches := 0;
  loop
    exit when v_cutoff is null or v_batches >= cleanup_old_events.max_batches;
    delete from events.event_idempotency_keys as k
     where (k.organization_id, k.source, k.idempotency_key) in (
             select k2.organization_id, k2.source, k2.idempotency_key
               from events.event_idempotency_keys as k2
              where k2.event_received_at < v_cutoff
              limit cleanup_old_events.batch_size);
    get diagnostics v_n = row_count;
    v_batches := v_batches + 1;
    exit when v_n < cleanup_old_events.batch_size;
  end loop;

  -- 5. Types kept shorter than the partitions: delete their old rows, batch by batch.
  v_batches := 0;
  loop
    exit when v_retention is null or v_batches >= cleanup_old_events.max_batches;
    with rules as (
      -- an organization's own types
      select t.organization_id, t.source, t.name, now() - t.retention as cutoff
        from events.event_types as t
       where t.organization_id is not null and t.retention < v_retention
      union all
      -- built-in types, for every organization that does not override them
      select o.id, g.source, g.name, now() - g.retention
        from events.event_types as g
       cross join base.organizations as o
       where g.organization_id is null and g.retention < v_retention
         and not exists (select from events.event_types as t
                          where t.organization_id = o.id and t.source = g.source and t.name = g.name)
    ),
    victims as (
      select v.organization_id, v.id, v.received_at
        from rules as r
       cross join lateral (
         select e.organization_id, e.id, e.received_at
           from events.events as e
          where e.organization_id = r.organization_id and e.source = r.source and e.event_type = r.name
            and e.received_at < r.cutoff
          limit cleanup_old_events.batch_size) as v
       limit cleanup_old_events.batch_size
    ),
    gone as (
      delete from events.events as e
       using victims as v
       where e.organization_id = v.organization_id and e.id = v.id and e.received_at = v.received_at
      returning e.organization_id, e.id, e.received_at, e.source, e.idempotency_key
    ),
    gone_keys as (
      delete from events.event_idempotency_keys as k
       using gone as g
       where k.organization_id = g.organization_id and k.source = g.source and k.idempotency_key = g.idempotency_key
         and k.event_id = g.id
    ),
    gone_deliveries as (
      delete from events.event_deliveries as d
       using gone as g
       where d.organization_id = g.organization_id and d.event_id = g.id and d.event_received_at = g.received_at
    ),
    gone_github as (
      delete from events.github_events as s using gone as g
       where s.organization_id = g.organization_id and s.event_id = g.id and s.received_at = g.received_at
    ),
    gone_linear as (
      delete from events.linear_events as s using gone as g
       where s.organization_id = g.organization_id and s.event_id = g.id and s.received_at = g.received_at
    ),
    gone_slack as (
      delete from events.slack_events as s using gone as g
       where s.organization_id = g.organization_id and s.event_id = g.id and s.received_at = g.received_at
    ),
    gone_deployment as (
      delete from events.deployment_events as s using gone as g
       where s.organization_id = g.organization_id and s.event_id = g.id and s.received_at = g.received_at
    )
    select count(*) into v_n from gone;
    v_removed := v_removed + v_n;
    v_batches := v_batches + 1;
    exit when v_n < cleanup_old_events.batch_size;
  end loop;

  return v_removed::integer;
end
$$;

comment on function events.cleanup_old_events(integer, integer) is
  'Enforces event type retention: drops (detach + drop, via base.run_partition_maintenance) the months of events, source rows and deliveries past the longest type retention, removes their idempotency keys, and deletes older rows of shorter-retention types in batches of batch_size (at most max_batches statements per call for keys and as many for rows; call again to continue). Returns the number of events removed. 22023 for batch_size outside 1..100000 or max_batches outside 1..10000.';
revoke execute on function events.retained_tables() from public;
revoke execute on function events.cleanup_old_events(integer, integer) from public;
grant execute on function events.retained_tables() to service_role;
grant execute on function events.cleanup_old_events(integer, integer) to service_role;

commit;
