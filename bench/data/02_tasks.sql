-- Benchmark data of the tasks module, set-based (generate_series), sized by the psql variable
-- :scale (default 0.01). Scale 1 is 1,000,000 tasks:
--   900,000 finished tasks in task_history over the last 150 days (80% succeeded, 10% failed,
--           10% cancelled), 10% of them part of a finished DAG (an edge to an earlier task);
--   100,000 live tasks in the queue: 40% pending, 20% scheduled (due in the next week),
--           20% blocked (each on a pending or running task), 20% running (leased);
--    10,000 sequential workflows of 4 tasks each (40,000 tasks on top of the million), in every
--           status: 70% succeeded, 10% failed, 10% cancelled, 5% running, 5% pending;
--   idempotency keys for 10% of the tasks, log lines and resource samples for recent work.
-- Tasks are spread over the organizations that exist, skewed: organization k of n gets a share
-- proportional to about (k/n)^(-2/3), so the first few tenants own most of the work, as in real life.
-- Every invariant the module keeps holds in the result (statuses, counters, edges, workflow status).
--
--   psql -v ON_ERROR_STOP=1 -X -v scale=1 -f bench/data/02_tasks.sql
--
-- Runs as the owner (it disables the dependency trigger while it bulk-loads edges whose counters
-- it sets itself). Deterministic for a given set of organizations (setseed), apart from ids and
-- times. Each run adds a batch (idempotency keys carry the run's time). Scale 0.1 loads in about
-- 25 s on 2 cores; scale 1 in a few minutes.

\if :{?scale}
\else
\set scale 0.01
\endif
select set_config('bench.scale', :'scale', false);

do $$
declare
  v_scale    numeric := current_setting('bench.scale')::numeric;
  v_n        bigint  := round(1000000 * v_scale);
  v_history  bigint  := round(v_n * 0.9);
  v_live     bigint  := v_n - round(v_n * 0.9);
  v_wf       bigint  := greatest(1, round(10000 * v_scale));
  v_orgs     uuid[];
  v_count    integer;
  v_month    timestamptz;
  v_started  timestamptz := clock_timestamp();
  v_run      text := 'bench-' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISS');  -- keys unique per run
begin
  perform setseed(0.2026);
  select array_agg(o.id order by o.created_at, o.id) into v_orgs from base.organizations as o;
  v_count := coalesce(cardinality(v_orgs), 0);
  if v_count = 0 then
    raise exception 'bench data: no organization to spread tasks over'
      using errcode = '55000', hint = 'Load seeds/00_base.sql or the base benchmark data first.';
  end if;
  raise notice 'tasks bench data: scale %, % finished + % live tasks, % workflows, % organizations',
    v_scale, v_history, v_live, v_wf, v_count;

  -- Partitions for the months the history, logs and samples reach back to (the premade ones
  -- start at the current month).
  for v_month in select generate_series(date_trunc('month', now() - interval '150 days', 'UTC'),
                                        date_trunc('month', now(), 'UTC'), interval '1 month') loop
    perform base.create_partition('tasks.task_history', 'month', v_month);
  end loop;
  for v_month in select generate_series(date_trunc('month', now() - interval '30 days', 'UTC'),
                                        date_trunc('month', now(), 'UTC'), interval '1 month') loop
    perform base.create_partition('tasks.task_execution_logs', 'month', v_month);
    perform base.create_partition('tasks.task_resource_usage', 'month', v_month);
  end loop;

  -- Definitions: five per organization, one queue each.
  insert into tasks.task_definitions (organization_id, name, queue_name, default_priority, max_attempts, lease_duration)
  select o.id, 'bench-' || d.kind, 'bench-' || d.kind, d.priority, 5, interval '10 minutes'
    from unnest(v_orgs) as o(id)
   cross join (values ('analyze', 0), ('build', 5), ('deploy', 10), ('notify', -5), ('sync', 0)) as d(kind, priority)
  on conflict on constraint task_definitions_organization_id_name_key do nothing;

  -- Skewed organization per row: index 1 + floor(n * r^3) for a uniform r.
  create temporary table bench_rows on commit drop as
  select g,
         v_orgs[1 + floor(v_count * power(random(), 3))::int] as organization_id,
         (array['analyze', 'build', 'deploy', 'notify', 'sync'])[1 + (g % 5)::int] as kind,
         base.uuid_generate_v7() as id,
         random() as r
    from generate_series(1, v_n) as g;

  -- Finished tasks.
  insert into tasks.task_history
    (organization_id, id, definition_id, queue_name, status, priority, payload, scheduled_at, attempts, max_attempts,
     lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id, heartbeat_at, started_at, finished_at,
     result, last_error, cancellation_reason, idempotency_key, created_at, updated_at)
  select b.organization_id, b.id, d.id, d.queue_name, s.status, d.default_priority,
         jsonb_build_object('repository', 'repo-' || (b.g % 500), 'ref', 'main', 'n', b.g),
         f.at - interval '2 minutes', s.attempts, d.max_attempts, d.lease_duration, d.backoff_base, d.backoff_cap, 0,
         case when s.status <> 'cancelled' then 'worker-' || (b.g % 32) end,
         case when s.status <> 'cancelled' then f.at - interval '10 seconds' end,
         case when s.status <> 'cancelled' then f.at - interval '1 minute' end,
         f.at,
         case when s.status = 'succeeded' then jsonb_build_object('files', b.g % 1000, 'ms', (b.r * 60000)::int) end,
         case when s.status = 'failed' then 'exit status 1: step ' || (b.g % 7) || ' failed' end,
         case when s.status = 'cancelled' then 'cancelled by request' end,
         case when b.g % 10 = 0 then v_run || '-' || b.g end,
         f.at - interval '3 minutes', f.at
    from bench_rows as b
    join tasks.task_definitions as d on d.organization_id = b.organization_id and d.name = 'bench-' || b.kind
   cross join lateral (select case when b.g % 10 = 1 then 'failed' when b.g % 10 = 2 then 'cancelled' else 'succeeded' end as status,
                              case when b.g % 10 = 1 then 5 when b.g % 10 = 2 then 0 else 1 + (b.g % 3 = 0)::int end as attempts) as s
   cross join lateral (select now() - b.r * interval '150 days' as at) as f
   where b.g <= v_history
   order by f.at;  -- in the order tasks finish, as a live system writes them (the BRIN on finished_at relies on it)

  -- Live tasks: pending, scheduled, blocked (counter set here, edges below), running.
  insert into tasks.tasks
    (organization_id, id, definition_id, queue_name, status, priority, payload, scheduled_at, attempts, max_attempts,
     lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id, locked_until, heartbeat_at, started_at,
     idempotency_key, created_at, updated_at)
  select b.organization_id, b.id, d.id, d.queue_name, s.status, d.default_priority,
         jsonb_build_object('repository', 'repo-' || (b.g % 500), 'ref', 'main', 'n', b.g),
         case when s.status = 'scheduled' then now() + b.r * interval '7 days' else now() - b.r * interval '1 hour' end,
         case when s.status = 'running' then 1 else 0 end, d.max_attempts, d.lease_duration, d.backoff_base, d.backoff_cap,
         case when s.status = 'blocked' then 1 else 0 end,
         case when s.status = 'running' then 'worker-' || (b.g % 32) end,
         case when s.status = 'running' then now() + d.lease_duration end,
         case when s.status = 'running' then now() end,
         case when s.status = 'running' then now() - b.r * interval '5 minutes' end,
         case when b.g % 10 = 0 then v_run || '-' || b.g end,
         now() - b.r * interval '1 hour', now()
    from bench_rows as b
    join tasks.task_definitions as d on d.organization_id = b.organization_id and d.name = 'bench-' || b.kind
   cross join lateral (select (array['pending', 'pending', 'pending', 'pending', 'scheduled', 'scheduled',
                                     'blocked', 'blocked', 'running', 'running'])[1 + (b.g % 10)::int] as status) as s
   where b.g > v_history;

  alter table tasks.task_dependencies disable trigger _100_apply;

  -- Each blocked task waits on a pending or running task of its organization.
  insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id)
  select bl.organization_id, bl.id, dep.id
    from (select t.organization_id, t.id, row_number() over (partition by t.organization_id order by t.id) as rn
            from tasks.tasks as t join bench_rows as b on b.id = t.id
           where t.status = 'blocked') as bl
    join (select t.organization_id, t.id, row_number() over (partition by t.organization_id order by t.id) as rn,
                 count(*) over (partition by t.organization_id) as cnt
            from tasks.tasks as t join bench_rows as b on b.id = t.id
           where t.status in ('pending', 'running')) as dep
      on dep.organization_id = bl.organization_id and dep.rn = 1 + (bl.rn % dep.cnt);
  -- A blocked task in an organization without pending or running work has nothing to wait for.
  update tasks.tasks as t
     set status = 'pending', pending_dependencies = 0, updated_at = now()
    from bench_rows as b
   where b.id = t.id and t.status = 'blocked'
     and not exists (select from tasks.task_dependencies as d where d.organization_id = t.organization_id and d.task_id = t.id);

  -- Finished DAGs: one succeeded task in ten depends on an earlier succeeded task.
  insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id, created_at)
  select x.organization_id, x.id, x.previous, x.created_at
    from (select h.organization_id, h.id, h.created_at, h.status,
                 lag(h.id) over (partition by h.organization_id order by h.finished_at) as previous,
                 row_number() over (partition by h.organization_id order by h.finished_at) as rn
            from tasks.task_history as h join bench_rows as b on b.id = h.id
           where h.status = 'succeeded') as x
   where x.previous is not null and x.rn % 10 = 0;

  -- Workflows: sequences of four tasks in every status.
  create temporary table bench_workflows on commit drop as
  select w.g, v_orgs[1 + floor(v_count * power(random(), 3))::int] as organization_id, base.uuid_generate_v7() as id,
         (array['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
                'failed', 'cancelled', case when (w.g / 10) % 2 = 0 then 'running' else 'pending' end])[1 + (w.g % 10)::int] as status,
         now() - random() * interval '30 days' as at
    from generate_series(1, v_wf) as w(g);
  create temporary table bench_workflow_tasks on commit drop as
  select w.organization_id, w.id as workflow_id, w.status as workflow_status, w.at, i.i, base.uuid_generate_v7() as id,
         case w.status
           when 'succeeded' then 'succeeded'
           when 'failed'    then (array['succeeded', 'failed', 'cancelled', 'cancelled'])[i.i]
           when 'cancelled' then (array['succeeded', 'cancelled', 'cancelled', 'cancelled'])[i.i]
           when 'running'   then (array['succeeded', 'running', 'blocked', 'blocked'])[i.i]
           else                  (array['pending', 'blocked', 'blocked', 'blocked'])[i.i]
         end as status
    from bench_workflows as w cross join generate_series(1, 4) as i(i);

  insert into tasks.workflows (organization_id, id, name, execution_mode, status, started_at, finished_at,
                               cancellation_reason, last_task_id, created_at, updated_at)
  select w.organization_id, w.id, 'bench workflow ' || w.g, 'sequential', w.status,
         case when w.status <> 'pending' then w.at + interval '1 minute' end,
         case when w.status in ('succeeded', 'failed', 'cancelled') then w.at + interval '10 minutes' end,
         case when w.status = 'cancelled' then 'cancelled by request' end,
         (select t.id from bench_workflow_tasks as t where t.workflow_id = w.id and t.i = 4), w.at, w.at
    from bench_workflows as w;

  insert into tasks.task_history
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at, attempts,
     max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id, started_at, finished_at,
     result, last_error, cancellation_reason, cause_task_id, created_at, updated_at)
  select t.organization_id, t.id, d.id, t.workflow_id, d.queue_name, t.status, d.default_priority,
         jsonb_build_object('step', t.i), t.at, case when t.status = 'cancelled' then 0 else 1 end, d.max_attempts,
         d.lease_duration, d.backoff_base, d.backoff_cap, case when t.status = 'cancelled' and t.i > 1 then 1 else 0 end,
         case when t.status <> 'cancelled' then 'worker-' || (t.i % 32) end,
         case when t.status <> 'cancelled' then t.at + t.i * interval '1 minute' end,
         t.at + t.i * interval '2 minutes',
         case when t.status = 'succeeded' then '{"ok": true}'::jsonb end,
         case when t.status = 'failed' then 'step failed' end,
         case when t.status = 'cancelled' and t.workflow_status = 'failed' then format('dependency %s %s', p.id, p.status)
              when t.status = 'cancelled' then format('workflow %s cancelled: cancelled by request', t.workflow_id) end,
         case when t.status = 'cancelled' and t.workflow_status = 'failed' then p.id end,
         t.at, t.at + t.i * interval '2 minutes'
    from bench_workflow_tasks as t
    join tasks.task_definitions as d on d.organization_id = t.organization_id and d.name = 'bench-build'
    left join bench_workflow_tasks as p on p.workflow_id = t.workflow_id and p.i = t.i - 1
   where t.status in ('succeeded', 'failed', 'cancelled');

  insert into tasks.tasks
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at, attempts,
     max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id, locked_until, heartbeat_at,
     started_at, created_at, updated_at)
  select t.organization_id, t.id, d.id, t.workflow_id, d.queue_name, t.status, d.default_priority,
         jsonb_build_object('step', t.i), t.at, case when t.status = 'running' then 1 else 0 end, d.max_attempts,
         d.lease_duration, d.backoff_base, d.backoff_cap, case when t.status = 'blocked' then 1 else 0 end,
         case when t.status = 'running' then 'worker-' || (t.i % 32) end,
         case when t.status = 'running' then now() + d.lease_duration end,
         case when t.status = 'running' then now() end,
         case when t.status = 'running' then now() end,
         t.at, now()
    from bench_workflow_tasks as t
    join tasks.task_definitions as d on d.organization_id = t.organization_id and d.name = 'bench-build'
   where t.status in ('pending', 'blocked', 'running');

  insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id, created_at)
  select t.organization_id, t.id, p.id, t.at
    from bench_workflow_tasks as t
    join bench_workflow_tasks as p on p.workflow_id = t.workflow_id and p.i = t.i - 1;

  alter table tasks.task_dependencies enable trigger _100_apply;

  -- Idempotency keys of the keyed tasks.
  insert into tasks.task_idempotency_keys (organization_id, idempotency_key, task_id, created_at)
  select a.organization_id, a.idempotency_key, a.id, a.created_at
    from tasks.all_tasks as a join bench_rows as b on b.id = a.id
   where a.idempotency_key is not null;

  -- Logs and resource samples of the last 25 days' finished work (one task in four).
  insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message, details, worker_id, logged_at)
  select h.organization_id, h.id, greatest(h.attempts, 1), l.level, l.message, jsonb_build_object('n', b.g), h.worker_id,
         h.finished_at - l.before
    from tasks.task_history as h join bench_rows as b on b.id = h.id
   cross join lateral (values ('info', 'started', interval '1 minute'),
                              (case when h.status = 'failed' then 'error' else 'info' end,
                               case when h.status = 'failed' then h.last_error else 'finished' end, interval '0')) as l(level, message, before)
   where h.finished_at > now() - interval '25 days' and h.status <> 'cancelled' and b.g % 4 = 0;
  insert into tasks.task_resource_usage (organization_id, task_id, attempt, worker_id, cpu_usage_percent, memory_bytes,
                                         io_read_bytes, io_write_bytes, duration_ms, measured_at)
  select h.organization_id, h.id, greatest(h.attempts, 1), h.worker_id, round((b.r * 400)::numeric, 2),
         (64 + (b.g % 4000)) * 1048576::bigint, (b.g % 100000) * 1024::bigint, (b.g % 50000) * 1024::bigint,
         (b.r * 60000)::bigint, h.finished_at
    from tasks.task_history as h join bench_rows as b on b.id = h.id
   where h.finished_at > now() - interval '25 days' and h.status <> 'cancelled' and b.g % 4 = 0;

  raise notice 'tasks bench data: loaded in %', clock_timestamp() - v_started;
end
$$;

analyze tasks.tasks;
analyze tasks.task_history;
analyze tasks.task_dependencies;
analyze tasks.workflows;
