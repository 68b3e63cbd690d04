-- Deploy platform:monitoring/maintenance to pg
-- One entry point runs every routine that keeps the database healthy, and records each run:
--   monitoring.maintenance_jobs       the registry: job name, the function to call and its
--                                     arguments, how often, enabled or not. A module registers
--                                     its routine with one INSERT in its own change.
--   monitoring.maintenance_runs       one row per run: start, end, duration, status, rows
--                                     affected, error. Monthly partitions, 3 months kept.
--   monitoring.run_maintenance(job)   runs the due jobs (or the one named), each in its own
--                                     subtransaction: a failing job records its error and the
--                                     others still run; a job whose function does not exist is
--                                     skipped with that reason.
--   monitoring.maintenance_job_status the alert view: failing, stale and broken jobs.
-- Schedule the entry point every minute (monitoring.schedule_with_pg_cron() or cron); each job's
-- own run_interval decides when it is due.

begin;

create table monitoring.maintenance_jobs (
  job_name       text        not null,
  function_name  text        not null,
  function_args  text        not null default '',
  run_interval   interval    not null,
  is_enabled     boolean     not null default true,
  description    text        not null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  constraint maintenance_jobs_pkey primary key (job_name),
  constraint maintenance_jobs_job_name_check check (job_name ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' and length(job_name) <= 100),
  constraint maintenance_jobs_function_name_check check (function_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  -- Arguments are literal values (e.g. 100, or 'base.audit_log'), never a second statement.
  constraint maintenance_jobs_function_args_check check (length(function_args) <= 500 and position(';' in function_args) = 0
                                                         and position('--' in function_args) = 0 and position('/*' in function_args) = 0),
  constraint maintenance_jobs_run_interval_check check (run_interval between interval '1 minute' and interval '31 days'),
  constraint maintenance_jobs_description_check check (length(description) between 1 and 2000)
);

comment on table monitoring.maintenance_jobs is
  'Registry of maintenance routines that monitoring.run_maintenance() calls. Register with: insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description) values (...) on conflict do nothing;';
comment on column monitoring.maintenance_jobs.job_name is 'Stable name, conventionally <module>.<routine>, e.g. tasks.recover_expired_leases.';
comment on column monitoring.maintenance_jobs.function_name is 'Schema-qualified function to call, e.g. events.cleanup_old_events. A job whose function does not exist is skipped and reported.';
comment on column monitoring.maintenance_jobs.function_args is 'Literal argument list placed between the parentheses, e.g. 100 (no statement separators or comments).';
comment on column monitoring.maintenance_jobs.run_interval is 'The job is due when its last run started at least this long ago (30 seconds of scheduler jitter allowed). 1 minute to 31 days.';
comment on column monitoring.maintenance_jobs.is_enabled is 'False stops scheduled runs (and the staleness alert); run_maintenance(job_name) still runs it on demand.';

create trigger _100_set_updated_at
  before update on monitoring.maintenance_jobs
  for each row execute function base.tg__set_updated_at();

alter table monitoring.maintenance_jobs enable row level security;

create policy select_monitor on monitoring.maintenance_jobs
  for select to platform_monitor using (true);
comment on policy select_monitor on monitoring.maintenance_jobs is
  'The monitoring role reads the registry.';

create policy all_service_role on monitoring.maintenance_jobs
  for all to service_role using (true) with check (true);
comment on policy all_service_role on monitoring.maintenance_jobs is
  'Operators pause jobs and change their interval; registering a job (which names a function the owner will run) is left to the deployer.';

grant select on monitoring.maintenance_jobs to platform_monitor, service_role;
grant update (is_enabled, run_interval) on monitoring.maintenance_jobs to service_role;

create table monitoring.maintenance_runs (
  id              uuid        not null default base.uuid_generate_v7(),
  started_at      timestamptz not null,
  job_name        text        not null,
  finished_at     timestamptz not null,
  duration        interval    not null,
  status          text        not null,
  run_reason      text        not null,
  rows_affected   bigint,
  detail          text,
  error_message   text,
  error_sqlstate  text,
  constraint maintenance_runs_pkey primary key (id, started_at),
  constraint maintenance_runs_job_name_fkey foreign key (job_name)
    references monitoring.maintenance_jobs (job_name) on delete cascade,
  constraint maintenance_runs_status_check check (status in ('succeeded', 'failed', 'skipped')),
  constraint maintenance_runs_run_reason_check check (run_reason in ('due', 'manual')),
  constraint maintenance_runs_duration_check check (duration >= interval '0' and finished_at >= started_at),
  constraint maintenance_runs_detail_check check (length(detail) <= 2000),
  constraint maintenance_runs_error_message_check check (length(error_message) <= 4000),
  constraint maintenance_runs_error_sqlstate_check check (error_sqlstate ~ '^[0-9A-Z]{5}$')
) partition by range (started_at);

-- "Last runs of this job" (due check, status view) and the foreign key.
create index maintenance_runs_job_name_started_at_idx
  on monitoring.maintenance_runs (job_name, started_at desc);

comment on table monitoring.maintenance_runs is
  'One row per run of a maintenance job: when, how long, succeeded / failed / skipped, rows affected, the error. Written by monitoring.run_maintenance() only. Monthly partitions, kept 3 months (base.partition_config).';
comment on column monitoring.maintenance_runs.status is 'succeeded; failed (error_message and error_sqlstate say why); skipped (the function does not exist, or the job was already running: see detail).';
comment on column monitoring.maintenance_runs.run_reason is 'due: picked by schedule; manual: run_maintenance(job_name) named it.';
comment on column monitoring.maintenance_runs.rows_affected is 'For a function returning a number: that number; returning a set: its row count; otherwise NULL.';
comment on column monitoring.maintenance_runs.detail is 'Result (a non-numeric return value, as text) or why the job was skipped.';

do $$ begin perform base.register_partitioned_table('monitoring.maintenance_runs', 'month', p_premake => 3, p_retention => interval '3 months'); end $$;

alter table monitoring.maintenance_runs enable row level security;

create policy select_monitor on monitoring.maintenance_runs
  for select to platform_monitor using (true);
comment on policy select_monitor on monitoring.maintenance_runs is
  'The monitoring role reads the run history.';

create policy all_service_role on monitoring.maintenance_runs
  for all to service_role using (true) with check (true);
comment on policy all_service_role on monitoring.maintenance_runs is
  'Services read the history; only run_maintenance() (as the owner) writes it, as no write is granted.';

grant select on monitoring.maintenance_runs to platform_monitor, service_role;

create function monitoring.run_maintenance(p_job text default null)
returns table (job_name text, status text, started_at timestamptz, duration interval,
               rows_affected bigint, detail text, error_message text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job       monitoring.maintenance_jobs;
  v_schema    text;
  v_function  text;
  v_retset    boolean;
  v_rettype   regtype;
  v_call      text;
  v_reason    text := case when p_job is null then 'due' else 'manual' end;
  v_state     text;
begin
  if p_job is not null and not exists (select from monitoring.maintenance_jobs as j where j.job_name = p_job) then
    raise exception 'maintenance job % is not registered', p_job
      using errcode = 'P0002', hint = 'The registered jobs are in monitoring.maintenance_jobs.';
  end if;

  for v_job in
    select j.* from monitoring.maintenance_jobs as j
     where (p_job is null and j.is_enabled
            and not exists (select from monitoring.maintenance_runs as r
                             where r.job_name = j.job_name
                               and r.started_at > now() - j.run_interval + interval '30 seconds'))
        or j.job_name = p_job
     order by j.job_name
  loop
    job_name := v_job.job_name;
    started_at := clock_timestamp();
    rows_affected := null; detail := null; error_message := null; v_state := null;
    v_schema := split_part(v_job.function_name, '.', 1);
    v_function := split_part(v_job.function_name, '.', 2);

    -- One run of a job at a time, across sessions (cron overlapping a manual run): a row lock on
    -- the job's registry row until the transaction ends, skipped when another session holds it.
    -- Locking a row needs UPDATE on its table, which only the owner and service_role (trusted) have
    -- here, so no API role can hold the lock and stop a job (an advisory lock on a guessable key
    -- could be held by anyone). FOR NO KEY UPDATE still lets the runs' foreign key check (KEY
    -- SHARE) of another session record its 'skipped' row.
    perform from monitoring.maintenance_jobs as j
     where j.job_name = v_job.job_name
       for no key update skip locked;
    if not found then
      status := 'skipped';
      detail := 'already running in another session';
    else
      select p.proretset, p.prorettype::regtype into v_retset, v_rettype
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname = v_schema and p.proname = v_function and p.prokind = 'f'
       order by p.oid
       limit 1;

      if not found then
        status := 'skipped';
        detail := format('function %s does not exist (is its module deployed?)', v_job.function_name);
      else
        v_call := format('%I.%I(%s)', v_schema, v_function, v_job.function_args);
        begin
          if v_retset then
            execute format('select count(*) from %s', v_call) into rows_affected;
          elsif v_rettype in ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype) then
            execute format('select (%s)::bigint', v_call) into rows_affected;
          else
            execute format('select left((%s)::text, 2000)', v_call) into detail;
          end if;
          status := 'succeeded';
        exception when others then
          get stacked diagnostics error_message = message_text, v_state = returned_sqlstate;
          status := 'failed';
          error_message := left(error_message, 4000);
        end;
      end if;
    end if;

    duration := clock_timestamp() - started_at;
    insert into monitoring.maintenance_runs
      (started_at, job_name, finished_at, duration, status, run_reason, rows_affected, detail, error_message, error_sqlstate)
    values
      (started_at, v_job.job_name, started_at + duration, duration, status, v_reason, rows_affected, detail,
       error_message, v_state);
    return next;
  end loop;
end
$$;
comment on function monitoring.run_maintenance(text) is
  'Runs every enabled maintenance job that is due (or only p_job, due or not, enabled or not), each in its own subtransaction, and records each run in monitoring.maintenance_runs. A failing job is recorded as failed and the others still run; a job whose function does not exist, or whose registry row another session holds locked (it is running there), is skipped. Returns one row per job run. P0002 for an unknown job. Schedule it every minute.';

revoke execute on function monitoring.run_maintenance(text) from public;
grant execute on function monitoring.run_maintenance(text) to service_role;

-- The routines base already has. Modules register theirs in their own changes.
insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description) values
  ('base.partition_maintenance', 'base.run_partition_maintenance', '', interval '1 hour',
   'Premakes future partitions, moves rows out of DEFAULT partitions and drops partitions past retention, for every table in base.partition_config.');

-- The query lives in a function only to run it with jit = off: the planner's estimates for
-- catalog joins grow with the catalog and would otherwise trigger JIT compilation, which
-- costs far more than the query itself.
create function monitoring.maintenance_job_rows()
returns table (
  category text,
  check_name text,
  object_name text,
  severity text,
  value numeric,
  details text,
  recommended_action text,
  function_name text,
  function_args text,
  run_interval interval,
  is_enabled boolean,
  function_exists boolean,
  last_started_at timestamptz,
  last_status text,
  last_duration interval,
  last_rows_affected bigint,
  last_error text,
  last_success_at timestamptz,
  consecutive_failures bigint,
  runs_last_24h bigint,
  failures_last_24h bigint,
  next_due_at timestamptz)
language sql
stable
set jit = off
as $$
  -- The last 50 runs of each job (index maintenance_runs_job_name_started_at_idx), numbered
  -- newest first; every per-job figure is an aggregate over them, computed once.
  with recent as materialized (
    select j.job_name, r.started_at, r.status, r.duration, r.error_message, r.rows_affected,
           row_number() over (partition by j.job_name order by r.started_at desc) as rn
      from monitoring.maintenance_jobs as j
      cross join lateral (
        select r.started_at, r.status, r.duration, r.error_message, r.rows_affected
          from monitoring.maintenance_runs as r
         where r.job_name = j.job_name
         order by r.started_at desc
         limit 50) as r
  ),
  per_job_runs as (
    select x.job_name,
           max(x.started_at) filter (where x.status = 'succeeded') as last_success_at,
           -- failures in a row, newest first: everything before the first run that did not fail
           coalesce(min(x.rn) filter (where x.status <> 'failed') - 1, count(*)) as consecutive_failures
      from recent as x
     group by x.job_name
  ),
  last_day as (
    select d.job_name, count(*) as runs, count(*) filter (where d.status = 'failed') as failures
      from monitoring.maintenance_runs as d
     where d.started_at > now() - interval '24 hours'
     group by d.job_name
  ),
  per_job as materialized (
    select j.*,
           exists (select from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
                    where n.nspname = split_part(j.function_name, '.', 1)
                      and p.proname = split_part(j.function_name, '.', 2)) as function_exists,
           l.started_at as last_started_at, l.status as last_status, l.duration as last_duration,
           l.error_message as last_error, l.rows_affected as last_rows_affected,
           pr.last_success_at,
           coalesce(pr.consecutive_failures, 0) as consecutive_failures,
           coalesce(d.runs, 0) as runs_last_24h,
           coalesce(d.failures, 0) as failures_last_24h
      from monitoring.maintenance_jobs as j
      left join recent as l on l.job_name = j.job_name and l.rn = 1
      left join per_job_runs as pr on pr.job_name = j.job_name
      left join last_day as d on d.job_name = j.job_name
  ),
  judged as materialized (
    select p.*,
           extract(epoch from now() - coalesce(p.last_success_at, p.created_at))
             / extract(epoch from p.run_interval) as intervals_since_success,
           monitoring.classify('maintenance_job_failures', p.consecutive_failures) as failing_severity,
           case when p.is_enabled
                then monitoring.classify('maintenance_job_stale',
                       (extract(epoch from now() - coalesce(p.last_success_at, p.created_at))
                        / extract(epoch from p.run_interval))::numeric)
                else 'ok' end as stale_severity,
           case when p.is_enabled and not p.function_exists
                then monitoring.classify('maintenance_job_missing_function', 1) else 'ok' end as missing_severity
      from per_job as p
  )
  select 'maintenance'::text as category,
         case when monitoring.severity_rank(j.missing_severity) > 0
               and monitoring.severity_rank(j.missing_severity) >= greatest(monitoring.severity_rank(j.failing_severity), monitoring.severity_rank(j.stale_severity))
                then 'maintenance_job_missing_function'
              when monitoring.severity_rank(j.failing_severity) > 0
               and monitoring.severity_rank(j.failing_severity) >= monitoring.severity_rank(j.stale_severity)
                then 'maintenance_job_failures'
              when monitoring.severity_rank(j.stale_severity) > 0 then 'maintenance_job_stale'
              else 'maintenance_job' end as check_name,
         j.job_name as object_name,
         monitoring.worst_severity(j.failing_severity, j.stale_severity, j.missing_severity) as severity,
         case when monitoring.severity_rank(j.failing_severity) > 0 then j.consecutive_failures::numeric
              else round(j.intervals_since_success::numeric, 2) end as value,
         concat_ws('; ',
           format('%s (every %s%s): last run %s', j.job_name, j.run_interval, case when j.is_enabled then '' else ', disabled' end,
                  case when j.last_started_at is null then 'never'
                       else format('%s at %s in %s', j.last_status, date_trunc('second', j.last_started_at), j.last_duration) end),
           case when not j.function_exists then format('function %s does not exist', j.function_name) end,
           case when j.consecutive_failures > 0 then format('%s consecutive failure(s), last error: %s', j.consecutive_failures, j.last_error) end,
           case when monitoring.severity_rank(j.stale_severity) > 0
                then format('no success for %s intervals (since %s)', round(j.intervals_since_success::numeric, 1),
                            coalesce(date_trunc('second', j.last_success_at)::text, 'it was registered')) end) as details,
         case when monitoring.worst_severity(j.failing_severity, j.stale_severity, j.missing_severity) = 'ok' then 'No action needed.'
              when monitoring.severity_rank(j.missing_severity) > 0
                then format('Deploy the module that provides %s, or pause the job: update monitoring.maintenance_jobs set is_enabled = false where job_name = %L;',
                            j.function_name, j.job_name)
              when monitoring.severity_rank(j.failing_severity) > 0
                then format('Read the error in monitoring.maintenance_runs, fix the cause, then run it by hand: select * from monitoring.run_maintenance(%L);', j.job_name)
              else 'Nothing runs the maintenance: schedule it (select monitoring.schedule_with_pg_cron(); or the cron line in the README), or run: select * from monitoring.run_maintenance();'
         end as recommended_action,
         j.function_name, j.function_args, j.run_interval, j.is_enabled, j.function_exists,
         j.last_started_at, j.last_status, j.last_duration, j.last_rows_affected, j.last_error,
         j.last_success_at, j.consecutive_failures, j.runs_last_24h, j.failures_last_24h,
         case when not j.is_enabled then null
              else greatest(coalesce(j.last_started_at + j.run_interval, now()), now()) end as next_due_at
    from judged as j
$$;
comment on function monitoring.maintenance_job_rows() is
  'The rows of monitoring.maintenance_job_status (which selects from this function so that it runs without JIT).';
revoke execute on function monitoring.maintenance_job_rows() from public;
grant execute on function monitoring.maintenance_job_rows() to platform_monitor, service_role;

create view monitoring.maintenance_job_status as
select category, check_name, object_name, severity, value, details, recommended_action, function_name, function_args, run_interval, is_enabled, function_exists, last_started_at, last_status, last_duration, last_rows_affected, last_error, last_success_at, consecutive_failures, runs_last_24h, failures_last_24h, next_due_at
  from monitoring.maintenance_job_rows();

comment on view monitoring.maintenance_job_status is
  'One row per registered maintenance job: last run and its result, last success, consecutive failures, runs and failures in 24 hours, next due time, and a severity that fires for a failing job (maintenance_job_failures), a stale one (maintenance_job_stale: no success for several intervals, e.g. nothing schedules the runner) or one whose function is missing.';

grant select on monitoring.maintenance_job_status to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.maintenance_job_status', 'maintenance', 'Failing, stale and broken maintenance jobs.');

commit;
