-- Deploy platform:tasks/fair_claim to pg
-- A fair claim: organizations take turns. Until this change claim_tasks took the highest priority,
-- then the earliest scheduled_at, of every organization at once, so one member who enqueued 10,000
-- tasks at priority 1000 had every slot of every claim until they were done.
--
-- The policy (docs/tasks.md, "Fairness"):
-- * A claim of max_tasks divides them evenly among the organizations with ready (pending) work in
--   the queues asked for: each gets at most ceil(max_tasks / k) of them, k being how many
--   organizations have ready work. When there are more organizations than tasks asked, max_tasks of
--   them, chosen at random, get one each, so over many claims each gets an equal share.
-- * What an organization cannot use (it has fewer ready tasks than its share, or another worker
--   holds them) is shared again among the others in a further round of the same claim.
-- * Within an organization: priority, then scheduled_at, as before. Priority orders a tenant's own
--   work only; it no longer reaches across tenants.
-- * enqueue refuses a non-finite scheduled_at and stores a past one as now() (tasks/enqueue_task),
--   so no scheduled_at puts a task ahead of work already waiting in its organization.
--
-- Each organization's share is taken by statements that name the organization, so on Citus they
-- are router queries on that tenant's shard: a claim locks rows of the organizations it serves, and
-- no shard of anyone else. The organizations with ready work are found by a skip scan of the claim
-- index (a probe per organization), or on Citus by one read of every shard that takes no row lock.
--
-- The indexes follow the new order: tasks_claim_idx is now (queue_name, organization_id, priority,
-- scheduled_at), serving the per-queue claim and the search for organizations with ready work in a
-- queue, and the former global one, tasks_queue_name_claim_idx, is dropped; claims of every queue
-- read tasks_organization_id_claim_idx. That is one index fewer to maintain on every enqueue and
-- claim.
--
-- squawk: the queue table is small by design (finished work moves to tasks.task_history), so the
-- ACCESS EXCLUSIVE lock of DROP INDEX / CREATE INDEX is short, and lock_timeout bounds the wait for
-- it. On a very large backlog create the new index CONCURRENTLY by hand first, under a temporary
-- name, and drop the old ones.
-- squawk-ignore-file require-concurrent-index-creation, require-concurrent-index-deletion

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

drop index tasks.tasks_claim_idx;
drop index tasks.tasks_queue_name_claim_idx;
create index tasks_claim_idx
  on tasks.tasks (queue_name, organization_id, priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';
comment on index tasks.tasks_claim_idx is
  'Ready (pending) tasks by queue, organization and claim order: a claim of named queues takes an organization''s share from here, and finds the organizations with ready work in a queue by a skip scan. Claims of every queue read tasks_organization_id_claim_idx.';

-- The organizations with ready work in the queues (NULL: every queue), as a skip scan: one index
-- probe per organization (and queue), however many tasks each has waiting. It walks from the last
-- organization down, so each probe lands at the end of an organization's range (its lowest
-- priority, newest work), away from the entries of tasks claimed since the last VACUUM, which
-- gather at the front. Replaced on Citus (below).
create function internal.tasks_ready_organizations(p_queue_names text[])
returns uuid[]
language plpgsql
stable
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan  -- one plan: a plan per call cost more than the probes
as $$
declare
  v_organizations uuid[] := '{}'::uuid[];
  v_organization  uuid;
  v_queue_name    text;
begin
  -- One probe (about 6 us) per organization and queue: the next organization below the last one.
  if p_queue_names is null then
    v_organization := (select t.organization_id from tasks.tasks as t
                        where t.status = 'pending'
                        order by t.organization_id desc limit 1);
    while v_organization is not null loop
      v_organizations := v_organizations || v_organization;
      v_organization := (select t.organization_id from tasks.tasks as t
                          where t.status = 'pending' and t.organization_id < v_organization
                          order by t.organization_id desc limit 1);
    end loop;
  else
    foreach v_queue_name in array p_queue_names loop
      v_organization := (select t.organization_id from tasks.tasks as t
                          where t.status = 'pending' and t.queue_name = v_queue_name
                          order by t.organization_id desc limit 1);
      while v_organization is not null loop
        v_organizations := v_organizations || v_organization;
        v_organization := (select t.organization_id from tasks.tasks as t
                            where t.status = 'pending' and t.queue_name = v_queue_name
                              and t.organization_id < v_organization
                            order by t.organization_id desc limit 1);
      end loop;
    end loop;
    if cardinality(p_queue_names) > 1 then
      v_organizations := array(select distinct o.id from unnest(v_organizations) as o(id));
    end if;
  end if;
  return nullif(v_organizations, '{}'::uuid[]);
end
$$;
comment on function internal.tasks_ready_organizations(text[]) is
  'claim_tasks: the organizations with pending tasks in the queues (NULL: every queue), or NULL when none. A skip scan of the claim indexes: one probe per organization. On Citus one read of every shard, taking no row lock.';
revoke execute on function internal.tasks_ready_organizations(text[]) from public;
grant execute on function internal.tasks_ready_organizations(text[]) to service_role;


create or replace function tasks.claim_tasks(worker_id text, max_tasks integer default 1, queue_names text[] default null)
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
-- One plan for every call: with the share as a parameter of LIMIT, PL/pgSQL would plan each call's
-- statements again for its values (not on Citus, which must plan them per call; below).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_left          integer := claim_tasks.max_tasks;  -- tasks still to claim
  v_organizations uuid[];
  v_organization  uuid;
  v_share         integer;
  v_taken         integer;
  v_again         boolean;
  v_picked        tid[];
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
  -- one probe of tasks_scheduled_at_idx.)
  if (select t.scheduled_at from tasks.tasks as t where t.status = 'scheduled' order by t.scheduled_at limit 1) <= now() then
    perform tasks.promote_due_tasks();
  end if;

  -- Rounds: the organizations with ready work share what is left of max_tasks evenly, in random
  -- order; another round only when one of them used its whole share (it may have more) and tasks
  -- are still to claim. Every round but the last claims at least one task, so this ends.
  loop
    v_organizations := internal.tasks_ready_organizations(claim_tasks.queue_names);
    exit when v_organizations is null;
    if cardinality(v_organizations) > 1 then
      v_organizations := array(select o.id from unnest(v_organizations) as o(id) order by random());
    end if;
    v_share := ceil(v_left::numeric / cardinality(v_organizations));
    v_again := false;
    foreach v_organization in array v_organizations loop
      -- One organization's share: pick and lock (one statement per index path), then lease, each
      -- statement naming the organization (one shard on Citus). FOR NO KEY UPDATE SKIP LOCKED:
      -- concurrent workers pass over each other's rows. The lease ends lease_duration after now()
      -- counted in UTC, as in heartbeat_task (a day is 24 hours in every session time zone; on
      -- Citus an UPDATE may apply only immutable operators to a column). A claimed task of a
      -- workflow starts the workflow.
      if claim_tasks.queue_names is not null and cardinality(claim_tasks.queue_names) = 1 then
        v_picked := array(select p.ctid
                            from tasks.tasks as p
                           where p.status = 'pending' and p.queue_name = claim_tasks.queue_names[1]
                             and p.organization_id = v_organization
                           order by p.priority desc, p.scheduled_at  -- tasks_claim_idx
                           limit least(v_share, v_left)
                             for no key update skip locked);
      else
        v_picked := array(select p.ctid
                            from tasks.tasks as p
                           where p.status = 'pending' and p.organization_id = v_organization
                             and (claim_tasks.queue_names is null or p.queue_name = any (claim_tasks.queue_names))
                           order by p.priority desc, p.scheduled_at  -- tasks_organization_id_claim_idx
                           limit least(v_share, v_left)
                             for no key update skip locked);
      end if;
      -- The picked rows are locked, so their ctids cannot change before the UPDATE.
      return query
      with claimed as (
        update tasks.tasks as t
           set status = 'running', worker_id = claim_tasks.worker_id, attempts = t.attempts + 1,
               locked_until = ((now() at time zone 'UTC') + t.lease_duration) at time zone 'UTC',
               heartbeat_at = now(), started_at = now(), updated_at = now()
         where t.organization_id = v_organization and t.ctid = any (v_picked)
        returning t.*)
      select * from claimed as c
       where case when c.workflow_id is null then true
                  else internal.tasks_start_workflow(c.organization_id, c.workflow_id) end
       order by c.priority desc, c.scheduled_at, c.id;
      get diagnostics v_taken = row_count;
      v_again := v_again or v_taken = least(v_share, v_left);
      v_left := v_left - v_taken;
      exit when v_left = 0;
    end loop;
    exit when v_left = 0 or not v_again;
  end loop;
end
$$;
comment on function tasks.claim_tasks(text, integer, text[]) is
  'Worker API (service_role): claims up to max_tasks (1-1000) pending tasks from queue_names (NULL: every queue), fairly: the organizations with ready work take turns (each at most ceil(max_tasks / k) of a claim, k organizations; with more organizations than tasks, a random max_tasks of them one each; a share one cannot use goes to the others), and within an organization highest priority first, then earliest scheduled_at. FOR NO KEY UPDATE SKIP LOCKED. Each claimed task is running, leased to worker_id for lease_duration, attempts + 1. Returned grouped by organization. 22023 for bad arguments.';

-- On Citus: each probe above would be a query of every shard, so the shards list their
-- organizations in one read instead (no row lock); and Citus must see the organization of each claim
-- statement to send it to one shard, so both are planned per call with the call's values; and
-- promote_due_tasks, which claim_tasks calls, promotes one organization at a time.
do $citus$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    create or replace function internal.tasks_ready_organizations(p_queue_names text[])
    returns uuid[]
    language plpgsql  -- Citus plans no parameterized statement of a SQL function
    stable
    set search_path = pg_catalog, pg_temp
    set plan_cache_mode = force_custom_plan
    as $body$
    begin
      -- Grouped by the distribution column, so each shard sends its organizations, not its rows
      -- (array_agg(distinct) would ship every pending row to the coordinator).
      return (select array_agg(r.organization_id)
                from (select t.organization_id
                        from tasks.tasks as t
                       where t.status = 'pending'
                         and (p_queue_names is null or t.queue_name = any (p_queue_names))
                       group by t.organization_id) as r);
    end
    $body$;
    alter function tasks.claim_tasks(text, integer, text[]) set plan_cache_mode = force_custom_plan;

    -- Promotion the same way: the organizations with due work, then one single-shard statement
    -- each (a statement over every shard cannot lock rows).
    create or replace function tasks.promote_due_tasks(max_tasks integer default 1000)
    returns integer
    language plpgsql
    volatile
    set search_path = pg_catalog, pg_temp
    set plan_cache_mode = force_custom_plan
    as $body$
    declare
      v_count        integer := 0;
      v_taken        integer;
      v_organization uuid;
    begin
      if promote_due_tasks.max_tasks is null or promote_due_tasks.max_tasks not between 1 and 100000 then
        raise exception 'max_tasks % is out of range: allowed 1 to 100000', promote_due_tasks.max_tasks using errcode = '22023';
      end if;
      for v_organization in
        select distinct t.organization_id
          from tasks.tasks as t
         where t.status = 'scheduled' and t.scheduled_at <= now()
      loop
        update tasks.tasks as t
           set status = 'pending', updated_at = now()
         where t.organization_id = v_organization
           and t.ctid = any (array(
                 select d.ctid
                   from tasks.tasks as d
                  where d.organization_id = v_organization and d.status = 'scheduled' and d.scheduled_at <= now()
                  order by d.scheduled_at
                  limit promote_due_tasks.max_tasks - v_count
                    for no key update skip locked));
        get diagnostics v_taken = row_count;
        v_count := v_count + v_taken;
        exit when v_count >= promote_due_tasks.max_tasks;
      end loop;
      if v_count > 0 then
        perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
      end if;
      return v_count;
    end
    $body$;
  end if;
end
$citus$;

commit;
