-- Deploy platform:tasks/recover_expired_leases to pg
-- A worker that crashes stops heartbeating; when its lease (locked_until) passes, this function
-- returns the task to the queue. The lost attempt counts (attempts were counted at claim): a task
-- that had attempts left is pending again at once, keeping its place (scheduled_at) in the queue;
-- one on its last attempt ends failed, its dependants cancelled. Meant to run every few seconds
-- from the scheduler (pg_cron: select cron.schedule('tasks-recover', '5 seconds',
-- 'select tasks.recover_expired_leases(); select tasks.promote_due_tasks()')), so a crashed
-- worker's task runs again well within a minute. Rows being completed at this very moment are
-- skipped (SKIP LOCKED) and looked at again next time.

begin;

create function tasks.recover_expired_leases()
returns integer
language plpgsql
volatile
as $$
declare
  v_count    integer;
  v_expired  record;
begin
  with expired as (
    select t.organization_id, t.id
      from tasks.tasks as t
     where t.status = 'running' and t.locked_until < now() and t.attempts < t.max_attempts
       for no key update skip locked),
  requeued as (
    update tasks.tasks as t
       set status = 'pending', worker_id = null, locked_until = null, heartbeat_at = null,
           last_error = format('lease expired: worker %s did not complete the task or heartbeat before %s',
                               t.worker_id, t.locked_until),
           updated_at = now()
      from expired as e
     where t.organization_id = e.organization_id and t.id = e.id
    returning t.id)
  select count(*) into v_count
    from requeued as r;
  if v_count > 0 then
    perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
  end if;

  -- Last attempts end failed, one by one (each may lock its workflow first). A deadlock with a
  -- concurrent cancellation only postpones the task to the next run.
  for v_expired in
    select t.organization_id, t.id, t.worker_id, t.locked_until
      from tasks.tasks as t
     where t.status = 'running' and t.locked_until < now() and t.attempts >= t.max_attempts
     order by t.id
  loop
    begin
      if (internal.tasks_finish(v_expired.organization_id, v_expired.id, v_expired.worker_id, 'failed', null,
                                format('lease expired on the last attempt: worker %s did not complete the task or heartbeat before %s',
                                       v_expired.worker_id, v_expired.locked_until),
                                true)).id is not null then
        v_count := v_count + 1;
      end if;
    exception when deadlock_detected then
      null;
    end;
  end loop;
  return v_count;
end
$$;
comment on function tasks.recover_expired_leases() is
  'Scheduler API (service_role): every running task whose lease expired goes back to the queue (pending, the attempt counted) or, after its last attempt, ends failed with its dependants cancelled. Returns how many tasks it recovered. Run it every few seconds.';

revoke execute on function tasks.recover_expired_leases() from public;
grant execute on function tasks.recover_expired_leases() to service_role;

commit;
