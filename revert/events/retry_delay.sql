-- Revert platform:events/retry_delay from pg
-- Re-creates events.retry_delay(integer, integer, integer, double precision) as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION events.retry_delay(attempt integer, base_seconds integer, cap_seconds integer, jitter double precision DEFAULT random())
 RETURNS interval
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  -- d = least(cap, base * 2^(attempt - 1)); the delay is uniform in [d/2, d]: never over the cap,
  -- never under half of the exponential step.
  select make_interval(secs => d.full_delay * (0.5 + 0.5 * least(greatest(retry_delay.jitter, 0), 1)))
    from (select least(retry_delay.cap_seconds::double precision,
                       retry_delay.base_seconds * power(2::double precision, greatest(retry_delay.attempt, 1) - 1))
                   as full_delay) as d
$function$;
comment on function events.retry_delay(integer, integer, integer, double precision) is
  'Delay before the next attempt after attempt number `attempt` failed: least(cap, base * 2^(attempt-1)) seconds, scaled by 0.5 + jitter/2 (jitter in [0, 1], default random()). Immutable for a given jitter, so the bounds can be tested.';
revoke execute on function events.retry_delay(integer, integer, integer, double precision) from public;
grant execute on function events.retry_delay(integer, integer, integer, double precision) to authenticated, service_role;

commit;
