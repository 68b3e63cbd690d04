-- Revert platform:tasks/heartbeat_on_citus from pg
-- Back to one UPDATE computing now() + lease_duration.

begin;

set local lock_timeout = '5s';

create or replace function tasks.heartbeat_task(organization_id uuid, task_id uuid, worker_id text)
returns timestamptz
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_until timestamptz;
begin
  update tasks.tasks as t
     set locked_until = now() + t.lease_duration, heartbeat_at = now(), updated_at = now()
   where t.organization_id = heartbeat_task.organization_id and t.id = heartbeat_task.task_id
     and t.status = 'running' and t.worker_id = heartbeat_task.worker_id
  returning t.locked_until into v_until;
  if not found then
    perform internal.tasks_raise_not_leased(heartbeat_task.organization_id, heartbeat_task.task_id,
                                            heartbeat_task.worker_id, 'heartbeat');
  end if;
  return v_until;
end
$$;

commit;
