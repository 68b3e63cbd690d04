-- Revert platform:projects/project_lifecycle from pg
-- Re-creates projects.allowed_project_transitions(text) as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION projects.allowed_project_transitions(p_status text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'planning'  then array['active', 'cancelled']
           when 'active'    then array['on_hold', 'completed', 'cancelled']
           when 'on_hold'   then array['active', 'cancelled']
           when 'completed' then array['archived']
           when 'archived'  then array[]::text[]
           when 'cancelled' then array[]::text[]
         end end
$function$

;

comment on function projects.allowed_project_transitions(text) is
  'The statuses a project in p_status may move to next (empty for the final states archived and cancelled; NULL for an unknown status). The single definition of the lifecycle, also for UIs.';
revoke execute on function projects.allowed_project_transitions(text) from public;
grant execute on function projects.allowed_project_transitions(text) to authenticated, service_role;

commit;
