-- Revert platform:tasks/fair_claim from pg
-- Back to the claim in global priority order, its two indexes, and the one promote_due_tasks.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function tasks.claim_tasks(worker_id text, max_tasks integer default 1, queue_names text[] default null)
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
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

-- promote_due_tasks as tasks/parameter_names made it (fair_claim replaced it on Citus only).
create or replace function tasks.promote_due_tasks(max_tasks integer default 1000)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_count  integer;
begin
  if promote_due_tasks.max_tasks is null or promote_due_tasks.max_tasks not between 1 and 100000 then
    raise exception 'max_tasks % is out of range: allowed 1 to 100000', promote_due_tasks.max_tasks using errcode = '22023';
  end if;
  with due as (
    select t.organization_id, t.id
      from tasks.tasks as t
     where t.status = 'scheduled' and t.scheduled_at <= now()
     order by t.scheduled_at
     limit promote_due_tasks.max_tasks
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
$function$;

drop function internal.tasks_ready_organizations(text[]);

drop index tasks.tasks_claim_idx;
create index tasks_claim_idx on tasks.tasks (priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';
create index tasks_queue_name_claim_idx on tasks.tasks (queue_name, priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';

commit;
