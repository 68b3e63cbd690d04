-- Deploy platform:tasks/claim_tasks to pg
-- Taking work. A worker (service_role) claims up to max_tasks ready tasks of any organization, in
-- priority and then schedule order, with FOR NO KEY UPDATE SKIP LOCKED on the partial claim index
-- (status = 'pending'): concurrent workers pass over each other's rows instead of queueing behind
-- them, and a row is handed to one worker only. The claim sets the lease from the task's
-- lease_duration (copied from its definition), counts the attempt and, for a task of a workflow
-- still pending, marks the workflow running (skipping a workflow row another session holds, so a
-- claim never waits: see the lock order in tasks/task_lifecycle).
--
-- Scheduled work (future scheduled_at, retries in backoff) is kept out of the claim index under
-- status `scheduled`; promote_due_tasks() makes due rows pending. claim_tasks calls it when the head
-- of the scheduled index is due (one index probe otherwise), and the scheduler should call it every
-- few seconds too, so that workers asleep on LISTEN hear about due work.
--
-- NOTIFY tasks_ready: sent (after commit) whenever tasks become pending: enqueue, promotion, a
-- retry due at once, released dependants, recovered leases. Its payload is always empty. Anyone
-- may LISTEN and NOTIFY on any channel in PostgreSQL (that cannot be revoked), so the channel
-- carries nothing a tenant wrote (no queue or organization): a worker treats a notification only
-- as "poll now" and calls claim_tasks for its queues; a forged one costs a poll that finds nothing.
--
-- SECURITY INVOKER: only service_role may execute them, and it has the rights they use.

begin;

create function tasks.promote_due_tasks(p_limit integer default 1000)
returns integer
language plpgsql
volatile
as $$
declare
  v_count  integer;
begin
  if p_limit is null or p_limit not between 1 and 100000 then
    raise exception 'p_limit % is out of range: allowed 1 to 100000', p_limit using errcode = '22023';
  end if;
  with due as (
    select t.organization_id, t.id
      from tasks.tasks as t
     where t.status = 'scheduled' and t.scheduled_at <= now()
     order by t.scheduled_at
     limit p_limit
       for no key update skip locked),
  promoted as (
    update tasks.tasks as t
       set status = 'pending', updated_at = now()
      from due as d
     where t.organization_id = d.organization_id and t.id = d.id
    returning t.id)
  select count(*) into v_count
    from promoted as p;

  if v_count > 0 then
    perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$$;
comment on function tasks.promote_due_tasks(integer) is
  'Makes up to p_limit scheduled tasks whose scheduled_at has come pending (claimable) and notifies tasks_ready (empty payload) when it promoted any. Called by claim_tasks and, every few seconds, by the scheduler. Returns how many it promoted.';

-- A claimed task's workflow, if still pending, is running now. Called by claim_tasks for each claimed
-- task that has a workflow, from inside the claim statement, so that a claim of tasks outside any
-- workflow (the common case) runs no workflow statement at all. Skips a workflow row another
-- session holds: a claim never waits for a workflow (see the lock order in tasks/task_lifecycle);
-- that workflow is marked running when its next task is claimed or ends. Always returns true.
create function internal.tasks_start_workflow(p_organization_id uuid, p_workflow_id uuid)
returns boolean
language plpgsql
volatile
as $$
begin
  update tasks.workflows as w
     set status = 'running', started_at = coalesce(w.started_at, now()), updated_at = now()
   where (w.organization_id, w.id) = (select w2.organization_id, w2.id
                                        from tasks.workflows as w2
                                       where w2.organization_id = p_organization_id and w2.id = p_workflow_id
                                         and w2.status = 'pending'
                                         for no key update skip locked);
  return true;
end
$$;
comment on function internal.tasks_start_workflow(uuid, uuid) is
  'claim_tasks, for a claimed task of a workflow: marks the workflow running if it is still pending, skipping it when another session holds its row (a claim never waits). Returns true.';

create function tasks.claim_tasks(worker_id text, max_tasks integer default 1, queue_names text[] default null)
returns setof tasks.tasks
language plpgsql
volatile
as $$
begin
  if claim_tasks.worker_id is null or length(claim_tasks.worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1 to 200 characters'
      using errcode = '22023';
  end if;
  if claim_tasks.max_tasks is null or claim_tasks.max_tasks not between 1 and 1000 then
    raise exception 'max_tasks % is out of range: allowed 1 to 1000', claim_tasks.max_tasks
      using errcode = '22023';
  end if;
  if claim_tasks.queue_names is not null
     and (cardinality(claim_tasks.queue_names) not between 1 and 100
          or array_position(claim_tasks.queue_names, null) is not null) then
    raise exception 'queue_names must be NULL (every queue) or a list of 1 to 100 queue names'
      using errcode = '22023';
  end if;

  -- Is the head of the scheduled work due? (Read as "the earliest scheduled_at", which is always
  -- one probe of tasks_scheduled_at_idx; a plain EXISTS with scheduled_at <= now() may be planned as
  -- a scan of the whole queue.)
  if (select t.scheduled_at from tasks.tasks as t where t.status = 'scheduled' order by t.scheduled_at limit 1) <= now() then
    perform tasks.promote_due_tasks();
  end if;

  -- Pick, lock and lease in one statement, one variant per index path (each keeps its own plan).
  -- * LIMIT (select max_tasks): a LIMIT the planner cannot read makes every plan alike, so PL/pgSQL
  --   settles on the cached generic plan (an ordered scan of the claim index stopped by the LIMIT)
  --   instead of re-planning each call for the value at hand.
  -- * The picked rows are addressed by ctid, so the UPDATE is a TID scan whatever the planner thinks
  --   the LIMIT returns. A row is locked before its ctid is used and cannot move while locked.
  --   (Should a ready row have been rewritten by a committed transaction just before the lock, it
  --   would be locked but not leased in this round, and stay pending: never given to two workers.)
  -- * The claimed rows go straight to the caller (RETURN QUERY), not through an array variable.
  -- * A claimed task of a workflow starts the workflow (internal.tasks_start_workflow, called from
  --   the CASE for those rows only): a claim outside workflows runs one statement, not two.
  if claim_tasks.queue_names is null then
    return query
    with claimed as (
      update tasks.tasks as t
         set status = 'running', worker_id = claim_tasks.worker_id, attempts = t.attempts + 1,
             locked_until = now() + t.lease_duration, heartbeat_at = now(), started_at = now(), updated_at = now()
       where t.ctid = any (array(
               select p.ctid
                 from tasks.tasks as p
                where p.status = 'pending'
                order by p.priority desc, p.scheduled_at
                limit (select claim_tasks.max_tasks)
                  for no key update skip locked))
      returning t.*)
    select * from claimed as c
     where case when c.workflow_id is null then true
                else internal.tasks_start_workflow(c.organization_id, c.workflow_id) end
     order by c.priority desc, c.scheduled_at, c.id;
  elsif cardinality(claim_tasks.queue_names) = 1 then
    return query
    with claimed as (
      update tasks.tasks as t
         set status = 'running', worker_id = claim_tasks.worker_id, attempts = t.attempts + 1,
             locked_until = now() + t.lease_duration, heartbeat_at = now(), started_at = now(), updated_at = now()
       where t.ctid = any (array(
               select p.ctid
                 from tasks.tasks as p
                where p.status = 'pending' and p.queue_name = claim_tasks.queue_names[1]
                order by p.queue_name, p.priority desc, p.scheduled_at  -- (the order of tasks_queue_name_claim_idx)
                limit (select claim_tasks.max_tasks)
                  for no key update skip locked))
      returning t.*)
    select * from claimed as c
     where case when c.workflow_id is null then true
                else internal.tasks_start_workflow(c.organization_id, c.workflow_id) end
     order by c.priority desc, c.scheduled_at, c.id;
  else
    return query
    with claimed as (
      update tasks.tasks as t
         set status = 'running', worker_id = claim_tasks.worker_id, attempts = t.attempts + 1,
             locked_until = now() + t.lease_duration, heartbeat_at = now(), started_at = now(), updated_at = now()
       where t.ctid = any (array(
               select p.ctid
                 from tasks.tasks as p
                where p.status = 'pending' and p.queue_name = any (claim_tasks.queue_names)
                order by p.priority desc, p.scheduled_at
                limit (select claim_tasks.max_tasks)
                  for no key update skip locked))
      returning t.*)
    select * from claimed as c
     where case when c.workflow_id is null then true
                else internal.tasks_start_workflow(c.organization_id, c.workflow_id) end
     order by c.priority desc, c.scheduled_at, c.id;
  end if;
end
$$;
comment on function tasks.claim_tasks(text, integer, text[]) is
  'Worker API (service_role): claims up to max_tasks (1-1000) pending tasks of any organization from queue_names (NULL: every queue), highest priority first, then earliest scheduled_at, with FOR NO KEY UPDATE SKIP LOCKED. Each claimed task is running, leased to worker_id until now() + lease_duration, attempts + 1. 22023 for bad arguments.';

revoke execute on function internal.tasks_start_workflow(uuid, uuid) from public;
revoke execute on function tasks.promote_due_tasks(integer) from public;
revoke execute on function tasks.claim_tasks(text, integer, text[]) from public;
grant execute on function internal.tasks_start_workflow(uuid, uuid) to service_role;
grant execute on function tasks.promote_due_tasks(integer) to service_role;
grant execute on function tasks.claim_tasks(text, integer, text[]) to service_role;

commit;
