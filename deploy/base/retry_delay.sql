-- Deploy platform:base/retry_delay to pg
-- The one backoff rule of the package: every retry (a failed task, a failed event delivery) waits
-- base.retry_delay. Exponential in the attempt number, capped, with "equal jitter":
--   d(n)  = least(cap, base * 2^(n-1))        n = attempts made so far (0 counts as 1)
--   delay = d(n)/2 + jitter * d(n)/2           jitter in [0, 1]
-- so retry n waits at least half and at most all of d(n): failures that happened together come
-- back spread out, never later than the cap, never sooner than half the exponential step. It
-- replaces tasks.retry_delay (intervals) and events.retry_delay (integer seconds), which computed
-- the same delays with different signatures (tasks/use_base_retry_delay, events/use_base_retry_delay).
-- IMMUTABLE for a given jitter: the default, random(), is drawn by the caller's expression, and a
-- test passes the jitter to get exact timings without sleeping. PL/pgSQL for the argument checks
-- (22023); with its own search_path a SQL function would not be inlined anyway.

begin;

set local lock_timeout = '5s';

create function base.retry_delay(attempt integer, backoff_base interval, backoff_cap interval,
                                 jitter double precision default random())
returns interval
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  v_full double precision;
begin
  -- The bounds are those of the callers' columns: attempts up to 1000 (tasks' max_attempts), a
  -- base of at most a day and a cap of at most a week above it (task_definitions, event_subscriptions).
  if retry_delay.attempt is null or retry_delay.attempt not between 0 and 1000 then
    raise exception 'attempt must be between 0 and 1000, not %', coalesce(retry_delay.attempt::text, 'NULL')
      using errcode = '22023';
  end if;
  if retry_delay.backoff_base is null or retry_delay.backoff_base not between interval '0' and interval '1 day' then
    raise exception 'backoff_base must be between 0 and 1 day, not %', coalesce(retry_delay.backoff_base::text, 'NULL')
      using errcode = '22023';
  end if;
  if retry_delay.backoff_cap is null
     or retry_delay.backoff_cap not between retry_delay.backoff_base and interval '7 days' then
    raise exception 'backoff_cap must be between backoff_base (%) and 7 days, not %', retry_delay.backoff_base,
                    coalesce(retry_delay.backoff_cap::text, 'NULL')
      using errcode = '22023';
  end if;
  -- NaN compares above every number, so it fails this test too.
  if retry_delay.jitter is null or not (retry_delay.jitter between 0 and 1) then
    raise exception 'jitter must be between 0 and 1, not %', coalesce(retry_delay.jitter::text, 'NULL')
      using errcode = '22023', hint = 'Leave it out to draw it at random.';
  end if;

  v_full := least(extract(epoch from retry_delay.backoff_cap)::double precision,
                  extract(epoch from retry_delay.backoff_base)::double precision
                    * power(2::double precision, greatest(retry_delay.attempt, 1) - 1));
  return make_interval(secs => v_full / 2 + retry_delay.jitter * v_full / 2);
end
$$;

comment on function base.retry_delay(integer, interval, interval, double precision) is
  'The backoff of every retry in the package (tasks, event deliveries): the delay after attempt number `attempt` (0 counts as 1) failed, d/2 + jitter * d/2 where d = least(backoff_cap, backoff_base * 2^(attempt-1)). jitter in [0, 1], default random(); immutable for a given jitter, so tests pass it. 22023 when attempt is outside 0..1000, backoff_base outside 0..1 day, backoff_cap outside backoff_base..7 days, or jitter outside [0, 1].';
revoke execute on function base.retry_delay(integer, interval, interval, double precision) from public;
grant execute on function base.retry_delay(integer, interval, interval, double precision) to authenticated, service_role;

commit;
