-- Revert platform:events/delivery_claims_on_citus from pg
-- Back to the bodies before this change (global claim order, lease recovery in one statement).

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function events.claim_deliveries(worker_id text, max_deliveries integer default 1,
                                                   target_kinds text[] default null)
returns setof events.event_deliveries
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_unknown text;
begin
  if claim_deliveries.worker_id is null or length(claim_deliveries.worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1 to 200 characters long' using errcode = '22023';
  end if;
  if claim_deliveries.max_deliveries is null or claim_deliveries.max_deliveries not between 1 and 1000 then
    raise exception 'max_deliveries must be between 1 and 1000, got %', coalesce(claim_deliveries.max_deliveries::text, 'null')
      using errcode = '22023';
  end if;
  if cardinality(claim_deliveries.target_kinds) = 0 then
    raise exception 'target_kinds must not be empty (NULL claims every kind)' using errcode = '22023';
  end if;
  select k into v_unknown
    from unnest(claim_deliveries.target_kinds) as k
   where k is null or k not in ('webhook', 'queue', 'handler')
   limit 1;
  if found then
    raise exception 'unknown target kind "%" (allowed: handler, queue, webhook)', coalesce(v_unknown, 'null')
      using errcode = '22023';
  end if;

  return query
  with claimed as (
    select d.organization_id, d.id, d.event_received_at
      from events.event_deliveries as d
     where d.status = 'pending'
       and d.next_attempt_at <= now()
       and (claim_deliveries.target_kinds is null or d.target_kind = any (claim_deliveries.target_kinds))
     order by d.next_attempt_at
     limit claim_deliveries.max_deliveries
       for update skip locked
  ),
  leased as (
    update events.event_deliveries as d
       set status = 'leased',
           attempts = d.attempts + 1,
           locked_by = claim_deliveries.worker_id,
           locked_until = now() + make_interval(secs => d.lease_seconds),
           last_attempt_at = now()
      from claimed as c
     where d.organization_id = c.organization_id and d.id = c.id and d.event_received_at = c.event_received_at
    returning d.*
  )
  select * from leased as l order by l.next_attempt_at;
end
$$

;

create or replace function events.heartbeat_delivery(organization_id uuid, delivery_id uuid, worker_id text)
returns timestamp with time zone
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_until timestamptz;
begin
  update events.event_deliveries as d
     set locked_until = now() + make_interval(secs => d.lease_seconds)
   where d.organization_id = heartbeat_delivery.organization_id
     and d.id = heartbeat_delivery.delivery_id
     and d.status = 'leased'
     and d.locked_by = heartbeat_delivery.worker_id
  returning d.locked_until into v_until;
  if not found then
    perform events.raise_lease_error(heartbeat_delivery.organization_id, heartbeat_delivery.delivery_id,
                                     heartbeat_delivery.worker_id);
  end if;
  return v_until;
end
$$

;

create or replace function events.recover_expired_deliveries()
returns integer
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_ready bigint;
begin
  with expired as (
    select d.organization_id, d.id, d.event_received_at, d.locked_by, d.locked_until
      from events.event_deliveries as d
     where d.status = 'leased' and d.locked_until < now()
     order by d.locked_until
     limit 10000
       for update skip locked
  ),
  recovered as (
    update events.event_deliveries as d
       set status = case when d.attempts < d.max_attempts then 'pending' else 'dead_letter' end,
           next_attempt_at = now(),
           completed_at = case when d.attempts < d.max_attempts then null else now() end,
           locked_by = null,
           locked_until = null,
           last_error = format('lease of worker "%s" expired at %s', x.locked_by, x.locked_until)
      from expired as x
     where d.organization_id = x.organization_id and d.id = x.id and d.event_received_at = x.event_received_at
    returning d.organization_id, d.id, d.event_id, d.event_received_at, d.subscription_id, d.status, d.attempts,
              d.max_attempts, d.target_kind, x.locked_by, x.locked_until
  ),
  logged as (
    insert into events.event_processing_logs
      (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, level, worker_id, message, details)
    select r.organization_id, r.event_id, r.event_received_at, r.id, r.subscription_id, 'lease_expired',
           case r.status when 'pending' then 'warning' else 'error' end, r.locked_by,
           format('lease of worker "%s" expired at %s on attempt %s of %s: %s', r.locked_by, r.locked_until,
                  r.attempts, r.max_attempts,
                  case r.status when 'pending' then 'back in the queue' else 'dead-lettered' end),
           jsonb_build_object('attempt', r.attempts, 'status', r.status, 'locked_until', r.locked_until)
      from recovered as r
  )
  select count(*), count(*) filter (where r.status = 'pending')
    into v_count, v_ready
    from recovered as r;

  if v_ready > 0 then
    perform pg_catalog.pg_notify('event_deliveries_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$$

;

comment on function events.claim_deliveries(text, integer, text[]) is
  'Leases up to max_deliveries due pending deliveries (oldest next_attempt_at first, optionally only of target_kinds) to worker_id with FOR UPDATE SKIP LOCKED, counting the attempt; returns them. 22023 for a bad worker_id, max_deliveries outside 1..1000 or an unknown target kind.';

commit;
