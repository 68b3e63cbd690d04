-- Deploy platform:events/routing to pg
-- Routing: every pending event gets one delivery per matching active subscription.
--   * The match rule is one immutable SQL function (events.subscription_matches), called by the
--     set-based routing join and reused by check_subscription_match.
--   * process_pending_events claims a batch of pending events with FOR UPDATE SKIP LOCKED, so
--     two processors take disjoint batches; an event another processor routed meanwhile is
--     re-checked under the lock (READ COMMITTED re-evaluates status = 'pending') and skipped.
--     Deliveries are inserted with ON CONFLICT DO NOTHING on the (event, subscription) unique
--     key as the last guard: one delivery per event and subscription, never two.
--   * The batch is routed in one statement. If that statement fails, the batch is routed again
--     one event at a time, each in its own subtransaction, so one bad event cannot hold back the
--     others: it records attempts and last_error and, after its type's max_attempts, ends failed.
--   * Each routed event gets a 'routed' log line; new deliveries NOTIFY event_deliveries_ready so
--     idle delivery workers wake at once. The payload is empty: anyone may LISTEN (and NOTIFY) on
--     any channel, so it carries nothing a tenant wrote (no target kind or organization); a worker
--     treats it only as "poll now" (claim_deliveries), and a forged one costs an empty poll.
--   * On Citus a statement can lock rows, or write several tables at once, only on one shard:
--     there process_pending_events serves the organizations with pending events in turns (an
--     even share of the batch each, in random order) and route_events routes one organization's
--     events per statement, both planned per call with the organization's id. On one node
--     nothing changes: one batch, oldest first, one statement.
--
-- Reworked after v1.0.0: every function pins its search_path (base/pin_search_path), and the
-- planner no longer inlines events.effective_event_type, so route_events reads each event's type
-- with its own lateral query, the same rule written out (tests/pgtap/events/03_routing.sql checks
-- an organization's override). Called per event, the function cost routing about a tenth.

--
-- Bare parameter names (the exposed schemas' rule, docs/conventions.md): PostgreSQL renames a
-- parameter only by DROP FUNCTION and CREATE FUNCTION, in this transaction.
-- squawk-ignore-file ban-drop-function
begin;

set local lock_timeout = '5s';

drop function events.subscription_matches(text, text, jsonb, text, text, jsonb);
create function events.subscription_matches(
  event_source          text,
  event_type            text,
  payload               jsonb,
  subscription_source   text,
  event_type_like       text,
  payload_filter        jsonb)
returns boolean
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select (coalesce(length(subscription_matches.event_source), 0) <= 50 or base.refuse_oversized('event_source', length(subscription_matches.event_source), 50))
     and (coalesce(length(subscription_matches.event_type), 0) <= 100 or base.refuse_oversized('event_type', length(subscription_matches.event_type), 100))
     and (coalesce(pg_column_size(subscription_matches.payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(subscription_matches.payload), 1048576))
     and (coalesce(length(subscription_matches.subscription_source), 0) <= 50 or base.refuse_oversized('subscription_source', length(subscription_matches.subscription_source), 50))
     and (coalesce(length(subscription_matches.event_type_like), 0) <= 200 or base.refuse_oversized('event_type_like', length(subscription_matches.event_type_like), 200))
     and (coalesce(pg_column_size(subscription_matches.payload_filter), 0) <= 16384 or base.refuse_oversized('payload_filter', pg_column_size(subscription_matches.payload_filter), 16384))
     and (subscription_matches.subscription_source is null or subscription_matches.subscription_source = subscription_matches.event_source)
     and subscription_matches.event_type like subscription_matches.event_type_like
     and subscription_matches.payload @> subscription_matches.payload_filter
$$;
comment on function events.subscription_matches(text, text, jsonb, text, text, jsonb) is
  'The match rule: same source (or a subscription for every source), the type LIKE the subscription''s event_type_like (its glob), and the payload containing the payload filter. Organization and is_active are checked by the callers.';

create or replace function events.check_subscription_match(event_id uuid, subscription_id uuid)
returns boolean
language plpgsql
stable
strict
set search_path = pg_catalog, pg_temp
as $$
declare
  v_sub   events.event_subscriptions;
  v_match boolean;
begin
  select s.* into v_sub
    from events.event_subscriptions as s
   where s.id = check_subscription_match.subscription_id;
  if not found then
    raise exception 'event subscription % not found', check_subscription_match.subscription_id
      using errcode = 'P0002';
  end if;

  select events.subscription_matches(e.source, e.event_type, e.payload,
                                     v_sub.source, v_sub.event_type_like, v_sub.payload_filter)
    into v_match
    from events.events as e
   where e.organization_id = v_sub.organization_id
     and e.id = check_subscription_match.event_id;
  -- No such event in the subscription's organization: another tenant's event never matches, so
  -- the original design's join of all events with all subscriptions stays correct.
  return coalesce(v_match, false);
end
$$;
comment on function events.check_subscription_match(uuid, uuid) is
  'True when the event matches the subscription''s source, type glob and payload filter (whether or not the subscription is active). False for an event of another organization or none; P0002 when the subscription does not exist or is not visible.';

drop function events.route_events(uuid[], uuid[], timestamptz[], uuid);
create function events.route_events(
  organization_ids   uuid[],
  event_ids          uuid[],
  received_ats       timestamptz[],
  subscription_id    uuid default null)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
-- Routes the given events (the caller holds their row locks): creates the missing deliveries
-- for every matching active subscription (only subscription_id when given: replay_event),
-- logs, marks the events processed. Returns the number of events routed.
declare
  v_routed        integer := 0;
  v_created       boolean := false;
  v_organizations uuid[];
  v_organization  uuid;
  v_count         integer;
  v_made          boolean;
begin
  if greatest(cardinality(route_events.organization_ids), cardinality(route_events.event_ids), cardinality(route_events.received_ats)) > 10000 then
    raise exception 'route_events takes at most 10000 events at a time' using errcode = '22023';
  end if;
  -- On one node the batch is routed in one statement (NULL: every organization). On Citus a
  -- statement that writes several tables must name one organization to run on its shard, so the
  -- batch is routed one organization at a time there (see the header).
  if exists (select from pg_catalog.pg_extension as x where x.extname = 'citus') then
    v_organizations := array(select distinct o.id from unnest(route_events.organization_ids) as o(id));
  else
    v_organizations := array[null::uuid];
  end if;

  foreach v_organization in array v_organizations loop
    with batch as (
      select e.organization_id, e.id, e.received_at, e.source, e.event_type, e.payload
        from unnest(route_events.organization_ids, route_events.event_ids, route_events.received_ats) as b(organization_id, id, received_at)
        join events.events as e
          on e.organization_id = b.organization_id and e.id = b.id and e.received_at = b.received_at
       where (v_organization is null or e.organization_id = v_organization)
    ),
    matched as (
      select b.organization_id, b.id as event_id, b.received_at, s.id as subscription_id, s.target_kind,
             coalesce(s.max_attempts, t.max_attempts, 5) as max_attempts,
             coalesce(s.backoff_base_seconds, t.backoff_base_seconds, 10) as backoff_base_seconds,
             greatest(coalesce(s.backoff_cap_seconds, t.backoff_cap_seconds, 3600),
                      coalesce(s.backoff_base_seconds, t.backoff_base_seconds, 10)) as backoff_cap_seconds,
             s.lease_seconds
        from batch as b
        join events.event_subscriptions as s
          on s.organization_id = b.organization_id
         and (v_organization is null or s.organization_id = v_organization)
         and s.is_active
         and (route_events.subscription_id is null or s.id = route_events.subscription_id)
         and events.subscription_matches(b.source, b.event_type, b.payload, s.source, s.event_type_like, s.payload_filter)
        -- The rule of events.effective_event_type, written out (see the header).
        left join lateral (select et.*
                             from events.event_types as et
                            where et.source = b.source and et.name = b.event_type
                              and (et.organization_id = b.organization_id or et.organization_id is null)
                            order by et.organization_id nulls last
                            limit 1) as t on true
    ),
    created as (
      insert into events.event_deliveries as d
        (organization_id, event_received_at, event_id, subscription_id, target_kind, max_attempts,
         backoff_base_seconds, backoff_cap_seconds, lease_seconds)
      select m.organization_id, m.received_at, m.event_id, m.subscription_id, m.target_kind, m.max_attempts,
             m.backoff_base_seconds, m.backoff_cap_seconds, m.lease_seconds
        from matched as m
       order by m.organization_id, m.event_id, m.subscription_id
      on conflict on constraint event_deliveries_organization_id_event_id_subscription_id_key do nothing
      returning d.organization_id, d.event_id, d.target_kind
    ),
    per_event as (
      select c.organization_id, c.event_id, count(*) as deliveries
        from created as c
       group by c.organization_id, c.event_id
    ),
    logged as (
      insert into events.event_processing_logs
        (organization_id, event_id, event_received_at, step, message, details)
      select b.organization_id, b.id, b.received_at, 'routed',
             format('routed: %s deliveries created', coalesce(p.deliveries, 0)),
             jsonb_build_object('deliveries', coalesce(p.deliveries, 0))
        from batch as b
        left join per_event as p on p.organization_id = b.organization_id and p.event_id = b.id
    ),
    updated as (
      update events.events as e
         set status = 'processed', attempts = e.attempts + 1, last_error = null, processed_at = now()
        from batch as b
       where e.organization_id = b.organization_id and e.id = b.id and e.received_at = b.received_at
         and (v_organization is null or e.organization_id = v_organization)
      returning 1
    )
    select (select count(*) from updated), exists (select from created)
      into v_count, v_made;
    v_routed := v_routed + v_count;
    v_created := v_created or v_made;
  end loop;

  if v_created then
    perform pg_catalog.pg_notify('event_deliveries_ready', '');  -- empty payload: "poll now"
  end if;
  return v_routed;
end
$$;
comment on function events.route_events(uuid[], uuid[], timestamptz[], uuid) is
  'Internal step of process_pending_events and replay_event: for events whose row locks the caller holds, creates the missing deliveries of matching active subscriptions (only subscription_id''s when given) with ON CONFLICT DO NOTHING, logs ''routed'', marks the events processed, notifies event_deliveries_ready. Returns the number of events routed. At most 10000 events per call (22023).';

create or replace function events.process_pending_events(batch_size integer default 100)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_organizations uuid[];
  v_organization  uuid;
  v_left          integer := process_pending_events.batch_size;  -- events still to take
  v_orgs          uuid[];
  v_ids           uuid[];
  v_received      timestamptz[];
  v_routed        integer := 0;
  v_message       text;
  v_state         text;
  v_source        text;
  v_type          text;
  v_max_attempts  integer;
  v_status        text;
  v_attempts      integer;
begin
  if process_pending_events.batch_size is null or process_pending_events.batch_size not between 1 and 10000 then
    raise exception 'batch_size must be between 1 and 10000, got %', coalesce(process_pending_events.batch_size::text, 'null')
      using errcode = '22023';
  end if;

  -- On one node one batch, oldest first, of every organization (NULL). On Citus a statement that
  -- locks rows must name one organization (Citus locks rows on one shard only): the organizations
  -- with pending events, found by one read of every shard that takes no lock, take turns in random
  -- order, each an even share of the batch.
  if exists (select from pg_catalog.pg_extension as x where x.extname = 'citus') then
    v_organizations := array(select o.id
                               from (select distinct e.organization_id as id
                                       from events.events as e where e.status = 'pending') as o
                              order by random());
  else
    v_organizations := array[null::uuid];
  end if;

  foreach v_organization in array v_organizations loop
    select array_agg(c.organization_id order by c.received_at, c.id),
           array_agg(c.id order by c.received_at, c.id),
           array_agg(c.received_at order by c.received_at, c.id)
      into v_orgs, v_ids, v_received
      from (select e.organization_id, e.id, e.received_at
              from events.events as e
             where e.status = 'pending'
               and (v_organization is null or e.organization_id = v_organization)
             order by e.received_at, e.id
             limit least(v_left, ceil(process_pending_events.batch_size::numeric / cardinality(v_organizations)))
               for update skip locked) as c;
    continue when v_ids is null;
    v_left := v_left - cardinality(v_ids);

    begin
      v_routed := v_routed + events.route_events(v_orgs, v_ids, v_received);
    exception when others then
      -- The batch failed as a whole: route its events one by one, isolating the bad ones.
      for v_i in 1 .. cardinality(v_ids) loop
        begin
          v_routed := v_routed + events.route_events(array[v_orgs[v_i]], array[v_ids[v_i]], array[v_received[v_i]]);
        exception when others then
          get stacked diagnostics v_message = message_text, v_state = returned_sqlstate;
          -- The event's type decides its attempts; read first, so the UPDATE sets constants (on
          -- Citus an UPDATE may apply no function that reads tables to its row).
          select e.source, e.event_type into v_source, v_type
            from events.events as e
           where e.organization_id = v_orgs[v_i] and e.id = v_ids[v_i] and e.received_at = v_received[v_i];
          v_max_attempts := coalesce((select t.max_attempts
                                        from events.effective_event_type(v_orgs[v_i], v_source, v_type) as t), 5);
          update events.events as e
             set attempts = e.attempts + 1,
                 last_error = left(format('%s: %s', v_state, v_message), 10000),
                 status = case when e.attempts + 1 >= v_max_attempts then 'failed' else 'pending' end
           where e.organization_id = v_orgs[v_i] and e.id = v_ids[v_i] and e.received_at = v_received[v_i]
          returning e.status, e.attempts into v_status, v_attempts;
          insert into events.event_processing_logs
            (organization_id, event_id, event_received_at, step, level, message, details)
          values
            (v_orgs[v_i], v_ids[v_i], v_received[v_i], 'routing_failed', 'error',
             left(format('routing attempt %s failed: %s', v_attempts, v_message), 10000),
             jsonb_build_object('attempt', v_attempts, 'sqlstate', v_state, 'status', v_status));
        end;
      end loop;
    end;
    exit when v_left = 0;
  end loop;
  return v_routed;
end
$$;
comment on function events.process_pending_events(integer) is
  'Routes up to batch_size pending events (oldest first, FOR UPDATE SKIP LOCKED; on Citus the organizations with pending events take turns, an even share each) to every matching active subscription, one delivery each, and marks them processed; returns how many. Safe to run from several workers at once. An event whose routing fails keeps attempts and last_error and ends failed after its type''s max_attempts. 22023 for a batch_size outside 1..10000.';

revoke execute on function events.subscription_matches(text, text, jsonb, text, text, jsonb) from public;
revoke execute on function events.check_subscription_match(uuid, uuid) from public;
revoke execute on function events.route_events(uuid[], uuid[], timestamptz[], uuid) from public;
revoke execute on function events.process_pending_events(integer) from public;
grant execute on function events.subscription_matches(text, text, jsonb, text, text, jsonb) to authenticated, service_role;
grant execute on function events.check_subscription_match(uuid, uuid) to authenticated, service_role;
grant execute on function events.route_events(uuid[], uuid[], timestamptz[], uuid) to service_role;
grant execute on function events.process_pending_events(integer) to service_role;

-- On Citus each statement must be planned with the call's organization to reach its shard.
do $citus$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    alter function events.route_events(uuid[], uuid[], timestamptz[], uuid) set plan_cache_mode = force_custom_plan;
    alter function events.process_pending_events(integer) set plan_cache_mode = force_custom_plan;
  end if;
end
$citus$;

commit;
