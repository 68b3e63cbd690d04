-- Deploy platform:events/retention_on_citus to pg
-- Why: the daily retention job failed on Citus at two statements that Citus cannot plan over a
-- distributed table:
--   * step 4, the purge of the idempotency keys of dropped months, deleted by tuple id
--     (ctid = any(array(select ctid ... limit 20 x batch_size))): "Recursively planned distributed
--     modifications with ctid on where clause are not supported";
--   * step 5, the pick of the batch past a shorter type retention, is a LATERAL subquery with
--     LIMIT per rule ("cannot push down this subquery"), and its DELETEs join unnest() over the
--     whole batch, every shard at once.
-- On Citus (if exists pg_extension citus) the same rows are now found by one read of every shard
-- that takes no lock and then deleted one organization per statement, each statement naming the
-- organization (its shard only):
--   * step 4: the oldest 20 x batch_size keys of the dropped months are read by their primary key,
--     then deleted per organization by that key (still of a dropped month: a key that ingest freed
--     and took again in the meantime is younger and stays, as under the tuple id form);
--   * step 5: the batch (at most batch_size events, each past its rule's cutoff) is picked by a
--     join of the rules with the events instead of a LATERAL per rule, then the organizations of
--     the batch delete their events, keys, deliveries and source rows one at a time.
-- On one node the statements are unchanged: same rows, same return values, same bounds, same
-- errors. The body runs as the owner (internal.cleanup_old_events, SECURITY DEFINER; the API
-- function calls it), on both targets: see the wrapper below. Planned per call on Citus (plan_cache_mode), so each organization's statements route to
-- its shard, as events/delivery_claims_on_citus does.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create function internal.cleanup_old_events(p_batch_size integer)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_retention    interval;
  v_removed      bigint := 0;
  v_n            bigint;
  v_table        text;
  v_cutoff       timestamptz;
  v_orgs         uuid[];
  v_ids          uuid[];
  v_received     timestamptz[];
  v_citus        boolean := exists (select from pg_catalog.pg_extension as x where x.extname = 'citus');
  v_organization uuid;
  v_key_orgs     uuid[];
  v_key_sources  text[];
  v_keys         text[];
begin
  if p_batch_size is null or p_batch_size not between 1 and 1000000 then
    raise exception 'batch_size must be between 1 and 1000000, got %', coalesce(p_batch_size::text, 'null')
      using errcode = '22023';
  end if;

  -- 1. The shared partitions' retention: operator configuration, never derived from event types.
  select pc.retention into v_retention from base.partition_config as pc where pc.parent_table = 'events.events';

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

  -- 4. The idempotency keys of the dropped months: at most 20 x batch_size per call (a key is a
  --    small row with nothing hanging off it), oldest first. One node: by tuple id (one index
  --    range scan, then a TID scan). Citus deletes by tuple id only on one shard: the keys are
  --    read by primary key (one read, no lock), then deleted one organization per statement.
  --    Keys left for the next calls are harmless: ingest treats a key whose event is gone as free.
  if v_retention is not null then
    if not v_citus then
      delete from events.event_idempotency_keys as k
       where k.ctid = any (array(select k2.ctid
                                   from events.event_idempotency_keys as k2
                                  where k2.event_received_at < v_cutoff
                                  order by k2.event_received_at
                                  limit 20 * p_batch_size));
    else
      select array_agg(k.organization_id), array_agg(k.source), array_agg(k.idempotency_key)
        into v_key_orgs, v_key_sources, v_keys
        from (select k2.organization_id, k2.source, k2.idempotency_key
                from events.event_idempotency_keys as k2
               where k2.event_received_at < v_cutoff
               order by k2.event_received_at
               limit 20 * p_batch_size) as k;
      for v_organization in select distinct o from unnest(v_key_orgs) as o loop
        delete from events.event_idempotency_keys as k
         using unnest(v_key_orgs, v_key_sources, v_keys) as v(organization_id, source, idempotency_key)
         where k.organization_id = v_organization and v.organization_id = v_organization
           and k.source = v.source and k.idempotency_key = v.idempotency_key
           and k.event_received_at < v_cutoff;
      end loop;
    end if;
  end if;

  -- 5. Types kept shorter than the partitions: delete one batch of their old rows (at most
  --    batch_size events with their source rows, deliveries and keys). The scheduler calls
  --    again while this returns more than 0; each call is a short transaction. The batch is
  --    picked first, into arrays, so the DELETEs are planned for its real size (index lookups
  --    for a few rows rather than hash joins over whole tables). One node: a LATERAL lookup per
  --    rule. Citus refuses a LATERAL with LIMIT over its shards: the rules are joined with the
  --    events instead (the same bound, rows past their rule's cutoff), in one read that takes no
  --    lock, and the organizations of the batch then delete their rows one at a time.
  if not v_citus then
    with rules as (
      -- an organization's own types
      select t.organization_id, t.source, t.name, now() - t.retention as cutoff
        from events.event_types as t
       where t.organization_id is not null and (v_retention is null or t.retention < v_retention)
      union all
      -- built-in types, for every organization that does not override them
      select o.id, g.source, g.name, now() - g.retention
        from events.event_types as g
       cross join base.organizations as o
       where g.organization_id is null and (v_retention is null or g.retention < v_retention)
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
                limit p_batch_size) as v
             limit p_batch_size) as v;
  else
    with rules as (
      select t.organization_id, t.source, t.name, now() - t.retention as cutoff
        from events.event_types as t
       where t.organization_id is not null and (v_retention is null or t.retention < v_retention)
      union all
      select o.id, g.source, g.name, now() - g.retention
        from events.event_types as g
       cross join base.organizations as o
       where g.organization_id is null and (v_retention is null or g.retention < v_retention)
         and not exists (select from events.event_types as t
                          where t.organization_id = o.id and t.source = g.source and t.name = g.name)
    )
    select array_agg(v.organization_id), array_agg(v.id), array_agg(v.received_at)
      into v_orgs, v_ids, v_received
      from (select e.organization_id, e.id, e.received_at
              from rules as r
              join events.events as e
                on e.organization_id = r.organization_id and e.source = r.source and e.event_type = r.name
             where e.received_at < r.cutoff
             limit p_batch_size) as v;
  end if;
  if v_ids is null then
    return v_removed::integer;
  end if;

  if not v_citus then
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
  end if;

  -- Citus: the same deletes, one organization of the batch per statement (its shard only).
  for v_organization in select distinct o from unnest(v_orgs) as o loop
    with batch as (
      select v.id, v.received_at
        from unnest(v_orgs, v_ids, v_received) as v(organization_id, id, received_at)
       where v.organization_id = v_organization
    ),
    gone as (
      delete from events.events as e
       using batch as v
       where e.organization_id = v_organization and e.id = v.id and e.received_at = v.received_at
      returning e.organization_id, e.id, e.received_at, e.source, e.idempotency_key
    ),
    gone_keys as (
      delete from events.event_idempotency_keys as k
       using gone as g
       where k.organization_id = v_organization and k.source = g.source and k.idempotency_key = g.idempotency_key
         and k.event_id = g.id
    ),
    gone_deliveries as (
      delete from events.event_deliveries as d
       using batch as v
       where d.organization_id = v_organization and d.event_id = v.id and d.event_received_at = v.received_at
    ),
    gone_github as (
      delete from events.github_events as s
       using batch as v
       where s.organization_id = v_organization and s.event_id = v.id and s.received_at = v.received_at
    ),
    gone_linear as (
      delete from events.linear_events as s
       using batch as v
       where s.organization_id = v_organization and s.event_id = v.id and s.received_at = v.received_at
    ),
    gone_slack as (
      delete from events.slack_events as s
       using batch as v
       where s.organization_id = v_organization and s.event_id = v.id and s.received_at = v.received_at
    ),
    gone_deployment as (
      delete from events.deployment_events as s
       using batch as v
       where s.organization_id = v_organization and s.event_id = v.id and s.received_at = v.received_at
    )
    select count(*) into v_n from gone;
    v_removed := v_removed + v_n;
  end loop;
  return v_removed::integer;
end
$$;

comment on function internal.cleanup_old_events(integer) is
  'The SECURITY DEFINER body of events.cleanup_old_events, which calls it as the caller: the API exposes no definer function. Not for direct use.';
revoke execute on function internal.cleanup_old_events(integer) from public;
grant execute on function internal.cleanup_old_events(integer) to service_role;

-- Runs its body as the owner, on both targets: the body calls base.run_partition_maintenance (a
-- definer), and on Citus a caller may not touch shards that the owner modified earlier in the
-- same transaction ("cannot perform query on placements that were modified in this transaction
-- by a different user"), which happened whenever maintenance moved rows out of a DEFAULT partition.
create or replace function events.cleanup_old_events(batch_size integer default 50000)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.cleanup_old_events(cleanup_old_events.batch_size);
end
$$;

comment on function events.cleanup_old_events(integer) is
  'Enforces retention: drops (detach + drop, via base.run_partition_maintenance) the months of events, source rows and deliveries past the partition retention in base.partition_config (operator configuration, not derived from event types), deletes up to 20 x batch_size of their idempotency keys, then deletes one batch (at most batch_size events, with their source rows, deliveries and keys) of rows past a shorter type retention (a type retention only ever shortens what a tenant keeps). Returns the number of events removed; call again while it returns more than 0, and regularly so the keys of dropped months are purged. On Citus the deletes run one organization per statement. Runs its body (internal.cleanup_old_events) as the owner. 22023 for batch_size outside 1..1000000.';

-- Citus: planned per call, so that each organization's statements route to its shard (as
-- events/delivery_claims_on_citus sets for the delivery workers). Nothing happens elsewhere.
do $citus$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    alter function internal.cleanup_old_events(integer) set plan_cache_mode = force_custom_plan;
  end if;
end
$citus$;

commit;
