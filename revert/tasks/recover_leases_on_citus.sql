-- Revert platform:tasks/recover_leases_on_citus from pg
-- Back to requeueing every organization's expired leases in one statement.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function tasks.recover_expired_leases()
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
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

commit;
