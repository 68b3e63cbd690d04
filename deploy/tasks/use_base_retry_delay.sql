-- Deploy platform:tasks/use_base_retry_delay to pg
-- One backoff function for the package (base/retry_delay): fail_task schedules a retry at
-- now() + base.retry_delay(attempts, backoff_base, backoff_cap), the same delays tasks.retry_delay
-- gave for the same attempt, intervals and jitter (tests/pgtap/base/10_retry_delay.sql compares the
-- two formulas on a grid). tasks.retry_delay and tasks.next_retry_at, which only fail_task called,
-- are dropped (a breaking change for a client that called them: call base.retry_delay).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function tasks.fail_task(organization_id uuid, task_id uuid, worker_id text, error text, retryable boolean default true)
returns tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- The documented cap: a worker's error is diagnostic output (a stack trace, a tool's stderr), not
  -- user input, so it is kept truncated to its first 10000 characters rather than refused.
  v_error  text := left(fail_task.error, 10000);
  -- The retry's jitter, drawn here: with it given, base.retry_delay is IMMUTABLE, which Citus
  -- requires of a function in an UPDATE of a distributed table.
  v_jitter double precision := random();
  v_task   tasks.tasks;
begin
  if coalesce(length(fail_task.error), 0) = 0 then
    raise exception 'error must describe the failure (a non-empty text)'
      using errcode = '22023';
  end if;

  -- Retry: back to the queue after the backoff (status scheduled), or at once when the
  -- definition's backoff is 0 (pending).
  update tasks.tasks as t
     set status = case when t.backoff_base > interval '0' then 'scheduled' else 'pending' end,
         -- In UTC with IMMUTABLE operators (timestamptz + interval is STABLE, which Citus refuses
         -- over a column); the delay is in seconds, so the result is now() + delay.
         scheduled_at = ((now() at time zone 'UTC')
                         + base.retry_delay(t.attempts, t.backoff_base, t.backoff_cap, v_jitter)) at time zone 'UTC',
         worker_id = null, locked_until = null, heartbeat_at = null,
         last_error = v_error, updated_at = now()
   where t.organization_id = fail_task.organization_id and t.id = fail_task.task_id
     and t.status = 'running' and t.worker_id = fail_task.worker_id
     and coalesce(fail_task.retryable, true) and t.attempts < t.max_attempts
  returning t.* into v_task;
  if found then
    if v_task.status = 'pending' then
      perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
    end if;
    return v_task;
  end if;

  -- Last attempt, or not retryable: the task ends failed and its dependants are cancelled.
  return internal.tasks_finish(fail_task.organization_id, fail_task.task_id, fail_task.worker_id, 'failed',
                               null, v_error);
end
$$;
comment on function tasks.fail_task(uuid, uuid, text, text, boolean) is
  'Worker API (service_role): the running attempt held by worker_id failed with error, kept in last_error truncated to its first 10000 characters (a worker''s diagnostic, capped so that one failure cannot bloat the queue; not user input). While attempts < max_attempts and retryable, the task is rescheduled after base.retry_delay(attempts, backoff_base, backoff_cap) (exponential backoff with jitter, capped); otherwise it ends failed and its dependants are cancelled. 55000 when not leased to that worker, P0002 when unknown, 22023 for an empty error.';

comment on column tasks.task_definitions.backoff_base is
  'Delay before the first retry; retry n waits between half and all of least(backoff_cap, backoff_base * 2^(n-1)) (base.retry_delay). 0 retries at once.';
comment on column tasks.tasks.backoff_base is 'Copied from the definition: retry backoff base (base.retry_delay).';

-- tasks.retry_delay() and tasks.next_retry_at() are dropped by the rework of tasks/retry_backoff
-- that follows.

commit;
