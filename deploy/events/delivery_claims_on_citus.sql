-- Deploy platform:events/delivery_claims_on_citus to pg
-- The delivery workers' claim, heartbeat and lease recovery on Citus. Citus runs a statement that
-- locks rows (FOR UPDATE) on one shard only, and refuses an UPDATE that applies a STABLE function
-- or operator to the row's columns (now() + lease_seconds, format() over locked_by), so:
--   * claim_deliveries: on one node nothing changes (the due deliveries of every organization,
--     oldest next_attempt_at first). On Citus the organizations with due deliveries, found by one
--     read of every shard that takes no lock, take turns in random order, each an even share of
--     max_deliveries, each share one statement that names the organization (its shard only). The
--     lease ends lease_seconds after now() counted in UTC: the same instant (a lease has no day
--     part), computed with immutable operators.
--   * heartbeat_delivery: the new lease end the same way.
--   * recover_expired_deliveries: one organization at a time on both targets (a healthy queue has
--     none), last_error worded in PL/pgSQL; the same rows, statuses, log lines and limit.
-- On Citus the functions are planned per call, with the call's organization.

begin;

set local lock_timeout = '5s';
-- Citus: function DDL in a transaction that touches distributed tables needs sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function events.claim_deliveries(worker_id text, max_deliveries integer default 1,
                                                   target_kinds text[] default null)
returns setof events.event_deliveries
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_unknown       text;
  v_organizations uuid[];
  v_organization  uuid;
  v_left          integer := claim_deliveries.max_deliveries;  -- deliveries still to claim
  v_taken         integer;
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

  -- One node: one claim of every organization (NULL). Citus: the organizations take turns.
  if exists (select from pg_catalog.pg_extension as x where x.extname = 'citus') then
    v_organizations := array(select o.id
                               from (select distinct d.organization_id as id
                                       from events.event_deliveries as d
                                      where d.status = 'pending' and d.next_attempt_at <= now()
                                        and (claim_deliveries.target_kinds is null
                                             or d.target_kind = any (claim_deliveries.target_kinds))) as o
                              order by random());
  else
    v_organizations := array[null::uuid];
  end if;

  foreach v_organization in array v_organizations loop
    return query
    with claimed as (
      select d.organization_id, d.id, d.event_received_at
        from events.event_deliveries as d
       where d.status = 'pending'
         and d.next_attempt_at <= now()
         and (claim_deliveries.target_kinds is null or d.target_kind = any (claim_deliveries.target_kinds))
         and (v_organization is null or d.organization_id = v_organization)
       order by d.next_attempt_at
       limit least(v_left, ceil(claim_deliveries.max_deliveries::numeric / cardinality(v_organizations)))
         for update skip locked
    ),
    leased as (
      update events.event_deliveries as d
         set status = 'leased',
             attempts = d.attempts + 1,
             locked_by = claim_deliveries.worker_id,
             locked_until = ((now() at time zone 'UTC') + make_interval(secs => d.lease_seconds)) at time zone 'UTC',
             last_attempt_at = now()
        from claimed as c
       where d.organization_id = c.organization_id and d.id = c.id and d.event_received_at = c.event_received_at
         and (v_organization is null or d.organization_id = v_organization)
      returning d.*
    )
    select * from leased as l order by l.next_attempt_at;
    get diagnostics v_taken = row_count;
    v_left := v_left - v_taken;
    exit when v_left = 0;
  end loop;
end
$$;
comment on function events.claim_deliveries(text, integer, text[]) is
  'Leases up to max_deliveries due pending deliveries (oldest next_attempt_at first, optionally only of target_kinds; on Citus the organizations with due deliveries take turns, an even share each) to worker_id with FOR UPDATE SKIP LOCKED, counting the attempt; returns them. 22023 for a bad worker_id, max_deliveries outside 1..1000 or an unknown target kind.';

create or replace function events.heartbeat_delivery(organization_id uuid, delivery_id uuid, worker_id text)
returns timestamptz
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_until timestamptz;
begin
  update events.event_deliveries as d
     set locked_until = ((now() at time zone 'UTC') + make_interval(secs => d.lease_seconds)) at time zone 'UTC'
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
$$;

create or replace function events.recover_expired_deliveries()
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count        integer := 0;
  v_ready        integer := 0;
  v_taken        integer;
  v_pending      integer;
  v_organization uuid;
  v_ids          uuid[];
  v_received     timestamptz[];
  v_workers      text[];
  v_until        timestamptz[];
  v_errors       text[];
  v_now          timestamptz := now();
begin
  for v_organization in
    select distinct d.organization_id
      from events.event_deliveries as d
     where d.status = 'leased' and d.locked_until < now()
  loop
    select array_agg(x.id order by x.locked_until), array_agg(x.event_received_at order by x.locked_until),
           array_agg(x.locked_by order by x.locked_until), array_agg(x.locked_until order by x.locked_until),
           array_agg(format('lease of worker "%s" expired at %s', x.locked_by, x.locked_until) order by x.locked_until)
      into v_ids, v_received, v_workers, v_until, v_errors
      from (select d.id, d.event_received_at, d.locked_by, d.locked_until
              from events.event_deliveries as d
             where d.organization_id = v_organization
               and d.status = 'leased' and d.locked_until < now()
             order by d.locked_until
             limit 10000 - v_count
               for update skip locked) as x;
    continue when v_ids is null;

    with recovered as (
      update events.event_deliveries as d
         set status = case when d.attempts < d.max_attempts then 'pending' else 'dead_letter' end,
             next_attempt_at = v_now,
             completed_at = case when d.attempts < d.max_attempts then null else v_now end,
             locked_by = null,
             locked_until = null,
             last_error = x.error
        from unnest(v_ids, v_received, v_workers, v_until, v_errors)
               as x(id, event_received_at, locked_by, locked_until, error)
       where d.organization_id = v_organization and d.id = x.id and d.event_received_at = x.event_received_at
         and d.status = 'leased'
      returning d.organization_id, d.id, d.event_id, d.event_received_at, d.subscription_id, d.status, d.attempts,
                d.max_attempts, x.locked_by, x.locked_until, x.error
    ),
    logged as (
      insert into events.event_processing_logs
        (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, level, worker_id, message, details)
      select r.organization_id, r.event_id, r.event_received_at, r.id, r.subscription_id, 'lease_expired',
             case r.status when 'pending' then 'warning' else 'error' end,
             r.locked_by,
             format('%s on attempt %s of %s: %s', r.error, r.attempts, r.max_attempts,
                    case r.status when 'pending' then 'back in the queue' else 'dead-lettered' end),
             jsonb_build_object('attempt', r.attempts, 'status', r.status, 'locked_until', r.locked_until)
        from recovered as r
       where r.organization_id = v_organization
    )
    select count(*), count(*) filter (where r.status = 'pending')
      into v_taken, v_pending
      from recovered as r;
    v_count := v_count + v_taken;
    v_ready := v_ready + v_pending;
    exit when v_count >= 10000;
  end loop;

  if v_ready > 0 then
    perform pg_catalog.pg_notify('event_deliveries_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$$;

do $citus$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    alter function events.claim_deliveries(text, integer, text[]) set plan_cache_mode = force_custom_plan;
    alter function events.recover_expired_deliveries() set plan_cache_mode = force_custom_plan;
  end if;
end
$citus$;

commit;
