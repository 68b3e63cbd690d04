-- Revert platform:events/use_base_retry_delay from pg
-- events.retry_delay as events/retry_delay created it (with the search_path base/pin_search_path
-- gave it), and fail_delivery calling it again.

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

comment on column events.event_deliveries.backoff_base_seconds is 'Resolved at routing: first retry delay (see events.retry_delay).';

commit;
