-- Revert platform:events/retention_on_citus from pg
-- The previous definition and comment, as the catalog prints them.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION events.cleanup_old_events(batch_size integer DEFAULT 50000)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
  --    small row with nothing hanging off it), oldest first, by tuple id (one index range scan,
  --    then a TID scan). Keys left for the next calls are harmless: ingest treats a key whose
  --    event is gone as free.
  if v_retention is not null then
    delete from events.event_idempotency_keys as k
     where k.ctid = any (array(select k2.ctid
                                 from events.event_idempotency_keys as k2
                                where k2.event_received_at < v_cutoff
                                order by k2.event_received_at
                                limit 20 * cleanup_old_events.batch_size));
  end if;

  -- 5. Types kept shorter than the partitions: delete one batch of their old rows (at most
  --    batch_size events with their source rows, deliveries and keys). The scheduler calls
  --    again while this returns more than 0; each call is a short transaction. The batch is
  --    picked first, into arrays, so the DELETEs are planned for its real size (index lookups
  --    for a few rows rather than hash joins over whole tables).
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
$function$;

comment on function events.cleanup_old_events(integer) is
  'Enforces retention: drops (detach + drop, via base.run_partition_maintenance) the months of events, source rows and deliveries past the partition retention in base.partition_config (operator configuration, not derived from event types), deletes up to 20 x batch_size of their idempotency keys, then deletes one batch (at most batch_size events, with their source rows, deliveries and keys) of rows past a shorter type retention (a type retention only ever shortens what a tenant keeps). Returns the number of events removed; call again while it returns more than 0, and regularly so the keys of dropped months are purged. 22023 for batch_size outside 1..1000000.';

drop function internal.cleanup_old_events(integer);

commit;
