-- Deploy platform:events/use_base_retry_delay to pg
-- One backoff function for the package (base/retry_delay): fail_delivery schedules a retry at
-- now() + base.retry_delay(attempts, backoff_base_seconds, backoff_cap_seconds) (seconds made
-- intervals), the same delays events.retry_delay gave for the same attempt, bounds and jitter
-- (tests/pgtap/base/10_retry_delay.sql compares the two formulas on a grid). events.retry_delay,
-- which only fail_delivery called, is dropped (a breaking change for a client that called it: call
-- base.retry_delay with intervals).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function events.fail_delivery(organization_id uuid, delivery_id uuid, worker_id text, error text,
                                                 retryable boolean default true, response jsonb default null)
returns events.event_deliveries
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row     events.event_deliveries;
  -- The retry's jitter, drawn here: with it given, base.retry_delay is IMMUTABLE, which Citus
  -- requires of a function in an UPDATE of a distributed table.
  v_jitter  double precision := random();
  -- now() as a value: Citus allows no function but an IMMUTABLE one in a CASE of an UPDATE.
  v_now     timestamptz := now();
  v_step    text;
  v_level   text;
  v_message text;
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
                                -- In UTC with IMMUTABLE operators (timestamptz + interval is STABLE,
                                -- which Citus refuses over a column): the delay is in seconds, so
                                -- the result is now() + delay.
                                then ((v_now at time zone 'UTC')
                                      + base.retry_delay(d.attempts, make_interval(secs => d.backoff_base_seconds),
                                                         make_interval(secs => d.backoff_cap_seconds), v_jitter)) at time zone 'UTC'
                                else d.next_attempt_at end,
         completed_at = case when fail_delivery.retryable and d.attempts < d.max_attempts
                             then null else v_now end,
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

  -- The log line, worded in PL/pgSQL and inserted as plain values (Citus deparses the CASE forms
  -- over this function's variables wrongly for the shard).
  if v_row.status = 'pending' then
    v_step := 'delivery_failed';
    v_level := 'warning';
    v_message := format('attempt %s of %s failed, next attempt at %s: %s',
                        v_row.attempts, v_row.max_attempts, v_row.next_attempt_at, fail_delivery.error);
  else
    v_step := 'dead_lettered';
    v_level := 'error';
    v_message := format('dead-lettered after attempt %s of %s%s: %s', v_row.attempts, v_row.max_attempts,
                        case when fail_delivery.retryable then '' else ' (not retryable)' end, fail_delivery.error);
  end if;
  insert into events.event_processing_logs
    (organization_id, event_id, event_received_at, delivery_id, subscription_id, step, level, worker_id, message, details)
  values
    (v_row.organization_id, v_row.event_id, v_row.event_received_at, v_row.id, v_row.subscription_id,
     v_step, v_level, fail_delivery.worker_id, left(v_message, 10000),
     jsonb_build_object('attempt', v_row.attempts, 'max_attempts', v_row.max_attempts,
                        'retryable', fail_delivery.retryable,
                        'next_attempt_at', case when v_row.status = 'pending' then v_row.next_attempt_at end));
  return v_row;
end
$$;
comment on function events.fail_delivery(uuid, uuid, text, text, boolean, jsonb) is
  'Records a failed attempt of a delivery leased by worker_id: back to pending after base.retry_delay(attempts, backoff_base_seconds, backoff_cap_seconds) (exponential backoff with jitter, capped) while attempts remain and retryable, else dead_letter with the error kept. P0002 unknown delivery, 55000 when the worker does not hold the lease, 22023 for an empty error.';

comment on column events.event_deliveries.backoff_base_seconds is 'Resolved at routing: first retry delay (see base.retry_delay).';

-- events.retry_delay() is dropped by the rework of events/retry_delay that follows.

commit;
