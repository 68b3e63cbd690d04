-- Revert platform:tasks/workflows from pg
-- Re-creates tasks.tg_workflows__check_status_transition() as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION tasks.tg_workflows__check_status_transition()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_allowed text[] := case old.status
                        when 'pending' then array['running', 'succeeded', 'failed', 'cancelled']
                        when 'running' then array['succeeded', 'failed', 'cancelled']
                        else array[]::text[]
                      end;
begin
  if not new.status = any (v_allowed) then
    raise exception 'workflow % cannot go from % to %', old.id, old.status, new.status
      using errcode = '55000',
            detail = case when cardinality(v_allowed) = 0 then format('%s is a final status.', old.status)
                          else format('From %s a workflow may go to: %s.', old.status, array_to_string(v_allowed, ', ')) end;
  end if;
  return new;
end
$function$

;
comment on function tasks.tg_workflows__check_status_transition() is
  'BEFORE UPDATE OF status trigger on workflows: allows pending -> running|succeeded|failed|cancelled and running -> succeeded|failed|cancelled; anything else raises 55000.';
revoke execute on function tasks.tg_workflows__check_status_transition() from public;

commit;
