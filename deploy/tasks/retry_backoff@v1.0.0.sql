-- Deploy platform:tasks/retry_backoff to pg
-- Retry timing: exponential backoff with "equal jitter", capped.
--   d(n)  = least(cap, base * 2^(n-1))        n = attempts made so far (1 after the first failure)
--   delay = d(n)/2 + jitter * d(n)/2           jitter in [0, 1)
-- so retry n waits at least half and less than all of d(n): spread enough that a burst of failures
-- does not come back as a burst, never more than the cap, never less than half the exponential
-- step. The arithmetic is IMMUTABLE and takes the jitter as an argument, so tests check exact
-- timings without sleeping; next_retry_at() draws the jitter.

begin;

create function tasks.retry_delay(p_attempt integer, p_backoff_base interval, p_backoff_cap interval,
                                  p_jitter double precision)
returns interval
language sql
immutable
strict
parallel safe
as $$
  select make_interval(secs => d.secs / 2 + greatest(0, least(p_jitter, 1)) * d.secs / 2)
    from (select least(extract(epoch from p_backoff_cap)::double precision,
                       extract(epoch from p_backoff_base)::double precision
                         * power(2::double precision, least(greatest(p_attempt, 1) - 1, 60))) as secs) as d
$$;
comment on function tasks.retry_delay(integer, interval, interval, double precision) is
  'Delay before retry number p_attempt (1-based): d = least(cap, base * 2^(attempt-1)), then d/2 + jitter * d/2 for jitter in [0, 1] (clamped). Pure: tests pass the jitter.';

create function tasks.next_retry_at(p_attempt integer, p_backoff_base interval, p_backoff_cap interval)
returns timestamptz
language sql
volatile
strict
as $$
  select now() + tasks.retry_delay(p_attempt, p_backoff_base, p_backoff_cap, random())
$$;
comment on function tasks.next_retry_at(integer, interval, interval) is
  'When retry number p_attempt is due: now() + retry_delay(...) with a random jitter. Used by fail_task.';

revoke execute on function tasks.retry_delay(integer, interval, interval, double precision) from public;
revoke execute on function tasks.next_retry_at(integer, interval, interval) from public;
grant execute on function tasks.retry_delay(integer, interval, interval, double precision) to authenticated, service_role;
grant execute on function tasks.next_retry_at(integer, interval, interval) to service_role;

commit;
