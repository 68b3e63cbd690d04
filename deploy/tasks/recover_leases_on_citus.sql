-- Deploy platform:tasks/recover_leases_on_citus to pg
-- Lease recovery one organization at a time. recover_expired_leases requeued every expired lease
-- of every tenant in one statement with FOR NO KEY UPDATE, which Citus cannot run over every shard
-- ("could not run distributed query with FOR UPDATE/SHARE commands"), and its last_error was
-- format()ed over the row's columns inside the UPDATE, a STABLE function Citus refuses there.
-- Now it lists the organizations with expired leases (a read), then for each: locks its expired
-- rows (SKIP LOCKED: a worker's heartbeat in flight wins), words each last_error in PL/pgSQL, and
-- requeues them with one UPDATE. Every statement that locks or writes names the organization, so
-- on Citus it runs on that tenant's shard; on one node it is the same work in a few statements per
-- organization with expired leases (none, on a healthy queue). Last attempts still end failed one
-- by one through internal.tasks_finish.

begin;

set local lock_timeout = '5s';
-- Citus: function DDL in a transaction that touches distributed tables needs sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function tasks.recover_expired_leases()
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count        integer := 0;
  v_taken        integer;
  v_organization uuid;
  v_ids          uuid[];
  v_workers      text[];
  v_until        timestamptz[];
  v_errors       text[];
  v_expired      record;
begin
  for v_organization in
    select distinct t.organization_id
      from tasks.tasks as t
     where t.status = 'running' and t.locked_until < now() and t.attempts < t.max_attempts
  loop
    select array_agg(e.id), array_agg(e.worker_id), array_agg(e.locked_until)
      into v_ids, v_workers, v_until
      from (select t.id, t.worker_id, t.locked_until
              from tasks.tasks as t
             where t.organization_id = v_organization
               and t.status = 'running' and t.locked_until < now() and t.attempts < t.max_attempts
               for no key update skip locked) as e;
    continue when v_ids is null;
    v_errors := array(select format('lease expired: worker %s did not complete the task or heartbeat before %s',
                                    x.worker_id, x.locked_until)
                        from unnest(v_workers, v_until) with ordinality as x(worker_id, locked_until, n)
                       order by x.n);
    update tasks.tasks as t
       set status = 'pending', worker_id = null, locked_until = null, heartbeat_at = null,
           last_error = e.error, updated_at = now()
      from unnest(v_ids, v_errors) as e(id, error)
     where t.organization_id = v_organization and t.id = e.id
       and t.status = 'running';
    get diagnostics v_taken = row_count;
    v_count := v_count + v_taken;
  end loop;
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
