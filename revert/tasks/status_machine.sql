-- Revert platform:tasks/status_machine from pg
-- Restores the per-table transition functions and their triggers, as base/pin_search_path left them
-- (tasks.tg_workflows__check_status_transition() comes back with the revert of the tasks/workflows rework).

begin;

set local lock_timeout = '5s';
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION tasks.tg_tasks__check_status_transition()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_allowed text[] := case old.status
                        when 'blocked'   then array['pending', 'scheduled']
                        when 'scheduled' then array['pending', 'blocked']
                        when 'pending'   then array['running', 'blocked']
                        when 'running'   then array['pending', 'scheduled']
                      end;
begin
  if not new.status = any (v_allowed) then
    raise exception 'task % cannot go from % to %', old.id, old.status, new.status
      using errcode = '55000',
            detail = format('From %s a task may go to: %s; it ends (succeeded, failed, cancelled) only through complete_task, fail_task or cancel_task.',
                            old.status, array_to_string(v_allowed, ', '));
  end if;
  return new;
end
$function$

;
comment on function tasks.tg_tasks__check_status_transition() is
  'AFTER UPDATE OF status trigger on tasks, fired (by its WHEN clause) only for a transition outside blocked -> pending|scheduled, scheduled -> pending|blocked, pending -> running|blocked, running -> pending|scheduled: raises 55000 naming the allowed ones.';
revoke execute on function tasks.tg_tasks__check_status_transition() from public;

drop trigger _000_check_status_transition on tasks.workflows;
drop trigger _000_check_status_transition on tasks.tasks;

create trigger _200_check_status_transition
  after update of status on tasks.tasks
  for each row when (old.status is distinct from new.status
                     and old.status || '>' || new.status <> all ('{blocked>pending,blocked>scheduled,scheduled>pending,scheduled>blocked,pending>running,pending>blocked,running>pending,running>scheduled}'::text[]))
  execute function tasks.tg_tasks__check_status_transition();

create trigger _200_check_status_transition
  before update of status on tasks.workflows
  for each row when (old.status is distinct from new.status)
  execute function tasks.tg_workflows__check_status_transition();

delete from base.status_transitions where machine in ('tasks.tasks.status', 'tasks.workflows.status');

commit;
