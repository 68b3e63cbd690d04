-- Deploy platform:events/retry_delay to pg
-- The backoff rule of every retry in the module (failed deliveries), the one the tasks module
-- uses too: exponential in the attempt number, capped, with "equal jitter" so that retries of
-- many deliveries that failed together spread out instead of stampeding again. The jitter is a
-- parameter (default random()) so tests compute the bounds instead of sleeping.

begin;

create function events.retry_delay(
  attempt      integer,
  base_seconds integer,
  cap_seconds  integer,
  jitter       double precision default random())
returns interval
language sql
immutable
strict
parallel safe
as $$
  -- d = least(cap, base * 2^(attempt - 1)); the delay is uniform in [d/2, d]: never over the cap,
  -- never under half of the exponential step.
  select make_interval(secs => d.full_delay * (0.5 + 0.5 * least(greatest(retry_delay.jitter, 0), 1)))
    from (select least(retry_delay.cap_seconds::double precision,
                       retry_delay.base_seconds * power(2::double precision, greatest(retry_delay.attempt, 1) - 1))
                   as full_delay) as d
$$;

comment on function events.retry_delay(integer, integer, integer, double precision) is
  'Delay before the next attempt after attempt number `attempt` failed: least(cap, base * 2^(attempt-1)) seconds, scaled by 0.5 + jitter/2 (jitter in [0, 1], default random()). Immutable for a given jitter, so the bounds can be tested.';
revoke execute on function events.retry_delay(integer, integer, integer, double precision) from public;
grant execute on function events.retry_delay(integer, integer, integer, double precision) to authenticated, service_role;

commit;
