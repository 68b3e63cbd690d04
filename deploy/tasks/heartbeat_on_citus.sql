-- Deploy platform:tasks/heartbeat_on_citus to pg
-- tasks.heartbeat_task extended the lease with `set locked_until = now() + t.lease_duration`.
-- timestamptz + interval is a STABLE operator (a day's length depends on the session's time zone),
-- and Citus refuses a STABLE function over a column in an UPDATE of a distributed table. The lease
-- end is now computed in UTC, with IMMUTABLE operators only: now() as a UTC timestamp, plus the
-- lease duration, back to timestamptz. Still one statement; a lease of "1 day" is now 24 hours
-- whatever the session's time zone. Same errors (55000 not leased to this worker, P0002 unknown).

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
     set locked_until = ((now() at time zone 'UTC') + t.lease_duration) at time zone 'UTC',
         heartbeat_at = now(), updated_at = now()
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
