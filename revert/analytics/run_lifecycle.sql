-- Revert platform:analytics/run_lifecycle from pg
-- Re-creates analytics.allowed_run_transitions(text) as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION analytics.allowed_run_transitions(p_status text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'queued'    then array['running', 'cancelled', 'failed']
           when 'running'   then array['succeeded', 'failed', 'cancelled']
           when 'succeeded' then array[]::text[]
           when 'failed'    then array[]::text[]
           when 'cancelled' then array[]::text[]
         end end
$function$

;

comment on function analytics.allowed_run_transitions(text) is
  'The statuses an analysis run in p_status may move to next (empty for the final states; NULL for an unknown status).';
revoke execute on function analytics.allowed_run_transitions(text) from public;
grant execute on function analytics.allowed_run_transitions(text) to authenticated, service_role;

commit;
