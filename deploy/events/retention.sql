-- Deploy platform:events/retention to pg
-- Retention of events, enforced per event type, with the base module's partition maintenance
-- doing the heavy part:
--   * The event data tables (events, the four source tables, deliveries) keep their partitions
--     for the LONGEST retention of any event type. That value is data in base.partition_config,
--     kept in step with event_types by the trigger below (a statement trigger, so an admin who
--     lengthens a type's retention is protected at once, even from a maintenance run by
--     someone else). base.run_partition_maintenance then detaches and drops whole months
--     that are past every retention: no row-by-row DELETE, no bloat, no WAL for the rows.
--   * Types with a shorter retention lose their older rows by DELETE in bounded batches: one
--     batch (at most batch_size events, with their source-table rows, deliveries and
--     idempotency keys) per call, so each call is a short transaction that VACUUM can follow;
--     a scheduler calls again while it returns more than 0. An organization's own type
--     overrides the built-in one of the same source and name.
--   * Events of the longest-retention types leave with their month's partition, so up to one
--     partition width (a month) after their retention; events of a type that no longer exists
--     follow the partition retention.
--   * Idempotency keys leave after their events: those of dropped months in batches of
--     20 x batch_size per call (the key table is not partitioned: see events/event_idempotency_keys);
--     until then ingest treats a key whose event is gone as free, so a lagging purge is never
--     wrong, only larger.
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
set search_path = pg_catalog, pg_temp
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

create function events.cleanup_old_events(batch_size integer default 50000)
returns integer
language plpgsql
volatile
as $$
declare
  v_retention interval;
  v_removed   bigint := 0;
  v_n         bigint;
  v_table     text;
  v_cutoff    timestamptz;
  v_orgs      uuid[];
  v_ids       uuid[];
  v_received  timestamptz[];
begin
  if cleanup_old_events.batch_size is null or cleanup_old_events.batch_size not between 1 and 1000000 then
    raise exception 'batch_size must be between 1 and 1000000, got %', coalesce(cleanup_old_events.batch_size::text, 'null')
      using errcode = '22023';
  end if;

  -- 1. Partition retention = the longest type retention (the trigger keeps it so; repair drift).
  select max(t.retention) into v_retention from events.event_types as t;
  update base.partition_config as pc
     set retention = v_retention
   where pc.parent_table = any (events.retained_tables())
     and pc.retention is distinct from v_retention;

  if v_retention is not null then
    -- 2. Count the events of the months about to go: every row older than the first month
    --    that stays, whether it sits in a proper partition or still in the DEFAULT one
    --    (maintenance moves such rows into their month's partition, then drops it).
    select base.partition_period_start(pc.granularity, now() - v_retention) into v_cutoff
      from base.partition_config as pc
     where pc.parent_table = 'events.events';
    select count(*) into v_n from events.events as e where e.received_at < v_cutoff;
    v_removed := v_n;
  end if;

  -- 3. Detach and drop those months (and premake future ones): base's one mechanism.
  foreach v_table in array events.retained_tables() || 'events.event_processing_logs'::text loop
    perform base.run_partition_maintenance(v_table::regclass);
  end loop;

  if v_retention is null then
    return v_removed::integer;
  end if;

  -- 4. The idempotency keys of the dropped months: at most 20 x batch_size per call (a key is a
  --    small row with nothing hanging off it), oldest first, by tuple id (one index range scan,
  --    then a TID scan). Keys left for the next calls are harmless: ingest treats a key whose
  --    event is gone as free.
  delete from events.event_idempotency_keys as k
   where k.ctid = any (array(select k2.ctid
                               from events.event_idempotency_keys as k2
                              where k2.event_received_at < v_cutoff
                              order by k2.event_received_at
                              limit 20 * cleanup_old_events.batch_size));

  -- 5. Types kept shorter than the partitions: delete one batch of their old rows (at most
  --    batch_size events with their source rows, deliveries and keys). The scheduler calls
  --    again while this returns more than 0; each call is a short transaction. The batch is
  --    picked first, into arrays, so the DELETEs are planned for its real size (index lookups
  --    for a few rows rather than hash joins over whole tables).
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
  )
  select array_agg(v.organization_id), array_agg(v.id), array_agg(v.received_at)
    into v_orgs, v_ids, v_received
    from (select v.organization_id, v.id, v.received_at
            from rules as r
           cross join lateral (
             select e.organization_id, e.id, e.received_at
               from events.events as e
              where e.organization_id = r.organization_id and e.source = r.source and e.event_type = r.name
                and e.received_at < r.cutoff
              limit cleanup_old_events.batch_size) as v
           limit cleanup_old_events.batch_size) as v;
  if v_ids is null then
    return v_removed::integer;
  end if;

  with gone as (
    delete from events.events as e
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
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
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
     where d.organization_id = v.organization_id and d.event_id = v.id and d.event_received_at = v.received_at
  ),
  gone_github as (
    delete from events.github_events as s
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
     where s.organization_id = v.organization_id and s.event_id = v.id and s.received_at = v.received_at
  ),
  gone_linear as (
    delete from events.linear_events as s
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
     where s.organization_id = v.organization_id and s.event_id = v.id and s.received_at = v.received_at
  ),
  gone_slack as (
    delete from events.slack_events as s
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
     where s.organization_id = v.organization_id and s.event_id = v.id and s.received_at = v.received_at
  ),
  gone_deployment as (
    delete from events.deployment_events as s
     using unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
     where s.organization_id = v.organization_id and s.event_id = v.id and s.received_at = v.received_at
  )
  select count(*) into v_n from gone;

  return (v_removed + v_n)::integer;
end
$$;

comment on function events.cleanup_old_events(integer) is
  'Enforces event type retention: drops (detach + drop, via base.run_partition_maintenance) the months of events, source rows and deliveries past the longest type retention, deletes up to 20 x batch_size of their idempotency keys, then deletes one batch (at most batch_size events, with their source rows, deliveries and keys) of rows past a shorter type retention. Returns the number of events removed; call again while it returns more than 0, and regularly so the keys of dropped months are purged. 22023 for batch_size outside 1..1000000.';
revoke execute on function events.retained_tables() from public;
revoke execute on function events.cleanup_old_events(integer) from public;
grant execute on function events.retained_tables() to service_role;
grant execute on function events.cleanup_old_events(integer) to service_role;

commit;
