-- Revert platform:tasks/retry_backoff from pg
-- Re-creates tasks.retry_delay() and tasks.next_retry_at() as they were before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION tasks.retry_delay(p_attempt integer, p_backoff_base interval, p_backoff_cap interval, p_jitter double precision)
 RETURNS interval
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select make_interval(secs => d.secs / 2 + greatest(0, least(p_jitter, 1)) * d.secs / 2)
    from (select least(extract(epoch from p_backoff_cap)::double precision,
                       extract(epoch from p_backoff_base)::double precision
                         * power(2::double precision, least(greatest(p_attempt, 1) - 1, 60))) as secs) as d
$function$;
comment on function tasks.retry_delay(integer, interval, interval, double precision) is
  'Delay before retry number p_attempt (1-based): d = least(cap, base * 2^(attempt-1)), then d/2 + jitter * d/2 for jitter in [0, 1] (clamped). Pure: tests pass the jitter.';

CREATE OR REPLACE FUNCTION tasks.next_retry_at(p_attempt integer, p_backoff_base interval, p_backoff_cap interval)
 RETURNS timestamp with time zone
 LANGUAGE sql
 STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select now() + tasks.retry_delay(p_attempt, p_backoff_base, p_backoff_cap, random())
$function$;
comment on function tasks.next_retry_at(integer, interval, interval) is
  'When retry number p_attempt is due: now() + retry_delay(...) with a random jitter. Used by fail_task.';

revoke execute on function tasks.retry_delay(integer, interval, interval, double precision) from public;
revoke execute on function tasks.next_retry_at(integer, interval, interval) from public;
grant execute on function tasks.retry_delay(integer, interval, interval, double precision) to authenticated, service_role;
grant execute on function tasks.next_retry_at(integer, interval, interval) to service_role;

commit;
