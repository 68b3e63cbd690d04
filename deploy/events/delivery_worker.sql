-- Deploy platform:events/delivery_worker to pg
-- The delivery workers' API, with the lease, backoff and dead-letter rules of the tasks module:
--   * claim_deliveries takes due pending deliveries in next_attempt_at order with FOR UPDATE
--     SKIP LOCKED from the partial index of pending rows, leases them (locked_by,
--     locked_until = now() + lease_seconds) and counts the attempt: a delivery is never handed
--     to two workers;
--   * heartbeat_delivery extends the lease; complete_delivery and fail_delivery end the attempt.
--     All three require the lease to be held by the calling worker (55000 otherwise), so a
--     worker whose lease was recovered cannot overwrite the next attempt's outcome;
--   * fail_delivery retries after events.retry_delay (exponential, capped, jittered) until
--     max_attempts, then dead-letters with the last error kept; retryable => false dead-letters
--     at once;
--   * recover_expired_deliveries returns deliveries whose lease expired (a crashed worker) to
--     the queue, due at once, the attempt already counted; it dead-letters those with no attempt
--     left. Run it every few seconds (pg_cron or a worker loop): a crashed worker's delivery is
--     running again within a minute.
-- Every outcome is logged in event_processing_logs. Deliveries that become due at once NOTIFY
-- event_deliveries_ready with an empty payload ("poll now": see events/routing).

begin;

create function events.raise_lease_error(organization_id uuid, delivery_id uuid, worker_id text)
returns void
language plpgsql
stable
as $$
-- Explains why a delivery is not leased to this worker: P0002 when it does not exist, 55000 otherwise.
declare
  v_status    text;
  v_locked_by text;
begin
  select d.status, d.locked_by into v_status, v_locked_by
    from events.event_deliveries as d
   where d.organization_id = raise_lease_error.organization_id and d.id = raise_lease_error.delivery_id;
  if not found then
    raise exception 'event delivery % not found in organization %', raise_lease_error.delivery_id, raise_lease_error.organization_id
      using errcode = 'P0002';
  end if;
  raise exception 'event delivery % is not leased by worker "%" (status %, leased by %)',
    raise_lease_error.delivery_id, raise_lease_error.worker_id, v_status, coalesce(v_locked_by, 'nobody')
    using errcode = '55000',
          hint = 'Its lease expired and was recovered, or it was never claimed by this worker: claim it again.';
end
$$;
comment on function events.raise_lease_error(uuid, uuid, text) is
  'Raises the error of a lease check that failed: P0002 when the delivery does not exist in the organization, 55000 naming its status and lease holder otherwise. Used by heartbeat_delivery, complete_delivery and fail_delivery.';

create function events.claim_deliveries(
  worker_id      text,
  max_deliveries integer default 1,
  target_kinds   text[]  default null)
returns setof events.event_deliveries
language plpgsql
volatile
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
$$;
comment on function events.claim_deliveries(text, integer, text[]) is
  'Leases up to max_deliveries due pending deliveries (oldest next_attempt_at first, optionally only of target_kinds) to worker_id with FOR UPDATE SKIP LOCKED, counting the attempt; returns them. 22023 for a bad worker_id, max_deliveries outside 1..1000 or an unknown target kind.';

create function events.heartbeat_delivery(organization_id uuid, delivery_id uuid, worker_id text)
returns timestamptz
language plpgsql
volatile
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
$$;
comment on function events.heartbeat_delivery(uuid, uuid, text) is
  'Extends the lease of a delivery held by worker_id by its lease_seconds and returns the new locked_until. P0002 unknown delivery, 55000 when the worker does not hold the lease.';

create function events.complete_delivery(
  organization_id uuid,
  delivery_id     uuid,
  worker_id       text,
  response        jsonb default null)
returns events.event_deliveries
language plpgsql
volatile
as $$
declare
  v_row events.event_deliveries;
begin
  if complete_delivery.response is not null and jsonb_typeof(complete_delivery.response) <> 'object' then
    raise exception 'response must be a JSON object, got %', jsonb_typeof(complete_delivery.response)
      using errcode = '22023';
  end if;

  update events.event_deliveries as d
     set status = 'succeeded', locked_by = null, locked_until = null, completed_at = now(),
         response = complete_delivery.response, last_error = null
   where d.organization_id = complete_delivery.organization_id
     and d.id = complete_delivery.delivery_id
     and d.status = 'leased'
     and d.locked_by = complete_delivery.worker_id
  returning d.* into v_row;
  if not found then
    perform events.raise_lease_error(complete_delivery.organization_id, complete_delivery.delivery_id,
                                     complete_delivery.worker_id);
  end if;

  insert into events.event_processing_logs
    (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, worker_id, message, details)
  values
    (v_row.organization_id, v_row.event_id, v_row.event_received_at, v_row.id, v_row.subscription_id, 'delivered',
     complete_delivery.worker_id, format('delivered on attempt %s', v_row.attempts),
     jsonb_build_object('attempt', v_row.attempts));
  return v_row;
end
$$;
comment on function events.complete_delivery(uuid, uuid, text, jsonb) is
  'Marks a delivery leased by worker_id succeeded, keeping the target''s response. P0002 unknown delivery, 55000 when the worker does not hold the lease, 22023 for a response that is not a JSON object.';

create function events.fail_delivery(
  organization_id uuid,
  delivery_id     uuid,
  worker_id       text,
  error           text,
  retryable       boolean default true,
  response        jsonb   default null)
returns events.event_deliveries
language plpgsql
volatile
as $$
declare
  v_row events.event_deliveries;
begin
  if fail_delivery.error is null or btrim(fail_delivery.error) = '' then
    raise exception 'error must describe the failure (a non-empty text)' using errcode = '22023';
  end if;
  if fail_delivery.retryable is null then
    raise exception 'retryable must be true or false' using errcode = '22023';
  end if;
  if fail_delivery.response is not null and jsonb_typeof(fail_delivery.response) <> 'object' then
    raise exception 'response must be a JSON object, got %', jsonb_typeof(fail_delivery.response)
      using errcode = '22023';
  end if;

  update events.event_deliveries as d
     set status = case when fail_delivery.retryable and d.attempts < d.max_attempts
                       then 'pending' else 'dead_letter' end,
         next_attempt_at = case when fail_delivery.retryable and d.attempts < d.max_attempts
                                then now() + events.retry_delay(d.attempts, d.backoff_base_seconds, d.backoff_cap_seconds)
                                else d.next_attempt_at end,
         completed_at = case when fail_delivery.retryable and d.attempts < d.max_attempts
                             then null else now() end,
         locked_by = null,
         locked_until = null,
         last_error = left(fail_delivery.error, 10000),
         response = fail_delivery.response
   where d.organization_id = fail_delivery.organization_id
     and d.id = fail_delivery.delivery_id
     and d.status = 'leased'
     and d.locked_by = fail_delivery.worker_id
  returning d.* into v_row;
  if not found then
    perform events.raise_lease_error(fail_delivery.organization_id, fail_delivery.delivery_id, fail_delivery.worker_id);
  end if;

  insert into events.event_processing_logs
    (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, level, worker_id, message, details)
  values
    (v_row.organization_id, v_row.event_id, v_row.event_received_at, v_row.id, v_row.subscription_id,
     case v_row.status when 'pending' then 'delivery_failed' else 'dead_lettered' end,
     case v_row.status when 'pending' then 'warning' else 'error' end,
     fail_delivery.worker_id,
     left(case v_row.status
            when 'pending' then format('attempt %s of %s failed, next attempt at %s: %s',
                                       v_row.attempts, v_row.max_attempts, v_row.next_attempt_at, fail_delivery.error)
            else format('dead-lettered after attempt %s of %s%s: %s', v_row.attempts, v_row.max_attempts,
                        case when fail_delivery.retryable then '' else ' (not retryable)' end, fail_delivery.error)
          end, 10000),
     jsonb_build_object('attempt', v_row.attempts, 'max_attempts', v_row.max_attempts,
                        'retryable', fail_delivery.retryable,
                        'next_attempt_at', case v_row.status when 'pending' then v_row.next_attempt_at end));
  return v_row;
end
$$;
comment on function events.fail_delivery(uuid, uuid, text, text, boolean, jsonb) is
  'Records a failed attempt of a delivery leased by worker_id: back to pending after events.retry_delay (exponential backoff with jitter, capped) while attempts remain and retryable, else dead_letter with the error kept. P0002 unknown delivery, 55000 when the worker does not hold the lease, 22023 for an empty error.';

create function events.recover_expired_deliveries()
returns integer
language plpgsql
volatile
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
$$;
comment on function events.recover_expired_deliveries() is
  'Returns deliveries whose lease expired (a crashed or stalled worker) to the queue, due at once (the attempt stays counted), or dead-letters those without attempts left; at most 10000 per call. Returns how many it handled. Schedule it every few seconds.';

revoke execute on function events.raise_lease_error(uuid, uuid, text) from public;
revoke execute on function events.claim_deliveries(text, integer, text[]) from public;
revoke execute on function events.heartbeat_delivery(uuid, uuid, text) from public;
revoke execute on function events.complete_delivery(uuid, uuid, text, jsonb) from public;
revoke execute on function events.fail_delivery(uuid, uuid, text, text, boolean, jsonb) from public;
revoke execute on function events.recover_expired_deliveries() from public;
grant execute on function events.raise_lease_error(uuid, uuid, text) to service_role;
grant execute on function events.claim_deliveries(text, integer, text[]) to service_role;
grant execute on function events.heartbeat_delivery(uuid, uuid, text) to service_role;
grant execute on function events.complete_delivery(uuid, uuid, text, jsonb) to service_role;
grant execute on function events.fail_delivery(uuid, uuid, text, text, boolean, jsonb) to service_role;
grant execute on function events.recover_expired_deliveries() to service_role;

commit;
