-- Deploy platform:events/replay_event to pg
-- Re-deliver an event, to one subscription or to all of them (a webhook endpoint was down, a
-- handler had a bug, a subscription was added or fixed after the event arrived).
--   * The event row is locked first (FOR UPDATE), so a replay and a router never route the same
--     event at once.
--   * Existing deliveries go back to pending, due now, with a fresh attempt budget and
--     replay_count + 1; the one-delivery-per-(event, subscription) rule still holds, and the
--     previous attempts stay in event_processing_logs. A delivery in flight (leased) is left
--     alone: a replay of all skips it, a replay of that one subscription raises 55000.
--   * Then the event is routed again (events.route_events): a matching active subscription
--     without a delivery gets one. So "replay all" also reaches subscriptions created or fixed
--     since, and replaying a failed (never routed) or still pending event routes it now.
--   * With subscription_id, the subscription must exist (P0002), be active (55000), and match
--     the event when it has no delivery yet (22023).

begin;

create function events.replay_event(organization_id uuid, event_id uuid, subscription_id uuid default null)
returns setof events.event_deliveries
language plpgsql
volatile
as $$
declare
  v_event  record;
  v_sub    events.event_subscriptions;
  v_row    events.event_deliveries;
  v_replayed boolean;
begin
  if replay_event.organization_id is null or replay_event.event_id is null then
    raise exception 'organization_id and event_id are required' using errcode = '22023';
  end if;

  select e.organization_id, e.id, e.received_at, e.source, e.event_type, e.payload, e.status into v_event
    from events.events as e
   where e.organization_id = replay_event.organization_id and e.id = replay_event.event_id
     for update;
  if not found then
    raise exception 'event % not found in organization %', replay_event.event_id, replay_event.organization_id
      using errcode = 'P0002';
  end if;

  if replay_event.subscription_id is not null then
    select s.* into v_sub
      from events.event_subscriptions as s
     where s.organization_id = replay_event.organization_id and s.id = replay_event.subscription_id;
    if not found then
      raise exception 'event subscription % not found in organization %', replay_event.subscription_id, replay_event.organization_id
        using errcode = 'P0002';
    end if;
    if not v_sub.is_active then
      raise exception 'event subscription % is not active', v_sub.id
        using errcode = '55000', hint = 'Set is_active = true on the subscription, then replay.';
    end if;
    select d.* into v_row
      from events.event_deliveries as d
     where d.organization_id = v_event.organization_id and d.event_id = v_event.id
       and d.subscription_id = v_sub.id and d.event_received_at = v_event.received_at
       for update;
    if found and v_row.status = 'leased' then
      raise exception 'event delivery % is in flight (leased by worker "%" until %)', v_row.id, v_row.locked_by, v_row.locked_until
        using errcode = '55000', hint = 'Wait for the attempt to end, then replay.';
    end if;
    if not found and not events.subscription_matches(v_event.source, v_event.event_type, v_event.payload,
                                                      v_sub.source, v_sub.event_type_like, v_sub.payload_filter) then
      raise exception 'event subscription % does not match event % (%/%)', v_sub.id, v_event.id, v_event.source, v_event.event_type
        using errcode = '22023',
              detail = format('subscription source %s, type pattern %s, payload filter %s',
                              coalesce(v_sub.source, 'any'), v_sub.event_type_pattern, v_sub.payload_filter);
    end if;
  end if;

  -- 1. Existing deliveries (of active subscriptions, not in flight) go back to the queue.
  with replayed as (
    update events.event_deliveries as d
       set status = 'pending', attempts = 0, next_attempt_at = now(), completed_at = null,
           replay_count = d.replay_count + 1
      from events.event_subscriptions as s
     where d.organization_id = v_event.organization_id and d.event_id = v_event.id
       and d.event_received_at = v_event.received_at
       and (replay_event.subscription_id is null or d.subscription_id = replay_event.subscription_id)
       and d.status <> 'leased'
       and s.organization_id = d.organization_id and s.id = d.subscription_id and s.is_active
    returning d.organization_id, d.id, d.event_id, d.event_received_at, d.subscription_id, d.target_kind, d.replay_count
  ),
  logged as (
    insert into events.event_processing_logs
      (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, message, details)
    select r.organization_id, r.event_id, r.event_received_at, r.id, r.subscription_id, 'replayed',
           format('replay %s: back in the queue', r.replay_count), jsonb_build_object('replay', r.replay_count)
      from replayed as r
  )
  select exists (select from replayed) into v_replayed;
  if v_replayed then
    perform pg_catalog.pg_notify('event_deliveries_ready', '');  -- empty payload: "poll now"
  end if;

  -- 2. Route again: matching active subscriptions without a delivery get one.
  perform events.route_events(array[v_event.organization_id], array[v_event.id], array[v_event.received_at],
                              replay_event.subscription_id);

  return query
    select d.*
      from events.event_deliveries as d
     where d.organization_id = v_event.organization_id and d.event_id = v_event.id
       and d.event_received_at = v_event.received_at
       and (replay_event.subscription_id is null or d.subscription_id = replay_event.subscription_id)
       and d.status = 'pending'
     order by d.subscription_id;
end
$$;

comment on function events.replay_event(uuid, uuid, uuid) is
  'Re-delivers an event to one subscription or (subscription_id NULL) to all: existing deliveries not in flight go back to pending with a fresh attempt budget, and matching active subscriptions without a delivery get one. Returns the event''s pending deliveries in scope. P0002 unknown event or subscription, 55000 inactive subscription or delivery in flight, 22023 subscription that does not match.';
revoke execute on function events.replay_event(uuid, uuid, uuid) from public;
grant execute on function events.replay_event(uuid, uuid, uuid) to service_role;

commit;
