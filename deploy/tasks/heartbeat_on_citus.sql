-- Deploy platform:tasks/heartbeat_on_citus to pg
-- tasks.heartbeat_task extended the lease with `set locked_until = now() + t.lease_duration`.
-- timestamptz + interval is a STABLE operator (it depends on the time zone), and Citus refuses a
-- STABLE function over a column in an UPDATE of a distributed table. The task's lease duration is
-- now read first, under the row lock the UPDATE takes anyway, and the UPDATE sets a value.
-- Same result, same errors (55000 not leased to this worker, P0002 unknown task).

begin;

set local lock_timeout = '5s';

create or replace function tasks.heartbeat_task(organization_id uuid, task_id uuid, worker_id text)
returns timestamptz
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_lease interval;
  v_until timestamptz;
begin
  select t.lease_duration into v_lease
    from tasks.tasks as t
   where t.organization_id = heartbeat_task.organization_id and t.id = heartbeat_task.task_id
     and t.status = 'running' and t.worker_id = heartbeat_task.worker_id
     for no key update;
  if not found then
    perform internal.tasks_raise_not_leased(heartbeat_task.organization_id, heartbeat_task.task_id,
                                            heartbeat_task.worker_id, 'heartbeat');
  end if;
  v_until := now() + v_lease;
  -- The row is locked: the lease cannot have moved since the read.
  update tasks.tasks as t
     set locked_until = v_until, heartbeat_at = now(), updated_at = now()
   where t.organization_id = heartbeat_task.organization_id and t.id = heartbeat_task.task_id;
  return v_until;
end
$$;

commit;
