-- Revert platform:analytics/issues from pg
-- Re-creates analytics.allowed_issue_transitions(text) as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION analytics.allowed_issue_transitions(p_status text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'open'           then array['confirmed', 'resolved', 'false_positive', 'wont_fix']
           when 'confirmed'      then array['open', 'resolved', 'false_positive', 'wont_fix']
           when 'resolved'       then array['open']
           when 'false_positive' then array['open']
           when 'wont_fix'       then array['open']
         end end
$function$

;

comment on function analytics.allowed_issue_transitions(text) is
  'The statuses a code issue in p_status may move to next (NULL for an unknown status).';
revoke execute on function analytics.allowed_issue_transitions(text) from public;
grant execute on function analytics.allowed_issue_transitions(text) to authenticated, service_role;

commit;
