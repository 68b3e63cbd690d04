-- Deploy platform:monitoring/schedule_with_pg_cron to pg
-- Schedules monitoring.run_maintenance() with pg_cron when the database has it.
--
-- pg_cron is optional: it is detected when the function runs (its functions live in schema
-- cron whatever the extension's schema), so this deploys everywhere. The job runs every minute
-- by default: the runner itself decides which jobs are due (maintenance_jobs.run_interval), so
-- the tick only bounds how late a job can start. Calling it again updates the same job (found
-- by name and owner) instead of adding one: it is idempotent.
-- Without pg_cron it raises a notice with the one-line external cron equivalent.

begin;

create function monitoring.schedule_with_pg_cron(
  p_schedule text default '* * * * *',
  p_job_name text default 'platform_run_maintenance')
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_jobid   bigint;
  v_command text := 'select * from monitoring.run_maintenance()';
begin
  if p_schedule is null or p_schedule !~ '^\s*\S+(\s+\S+){4}\s*$|^\s*[0-9]+ seconds\s*$' then
    raise exception 'schedule % is not a cron expression of five fields (or "N seconds")', coalesce(p_schedule, 'NULL')
      using errcode = '22023', hint = 'For example ''* * * * *'' (every minute) or ''*/5 * * * *''.';
  end if;
  if p_job_name is null or p_job_name !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'job name % must be 1-63 characters of a-z, 0-9 and _, starting with a letter', coalesce(p_job_name, 'NULL')
      using errcode = '22023';
  end if;

  if to_regprocedure('cron.schedule(text, text, text)') is null
     or to_regprocedure('cron.unschedule(bigint)') is null
     or to_regclass('cron.job') is null then
    raise notice 'pg_cron is not installed in database %: nothing was scheduled', current_database()
      using hint = format('Run the maintenance from an external scheduler every minute instead, e.g. this crontab line: '
                          '* * * * * psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c %L >/dev/null',
                          v_command);
    return null;
  end if;

  -- Idempotent: drop this owner's job of that name (there may be several from older calls),
  -- then schedule it afresh.
  for v_jobid in execute 'select j.jobid from cron.job as j where j.jobname = $1 and j.username = current_user'
    using p_job_name
  loop
    execute 'select cron.unschedule($1)' using v_jobid;
  end loop;
  execute 'select cron.schedule($1, $2, $3)' into v_jobid using p_job_name, p_schedule, v_command;
  raise notice 'pg_cron job % (id %) runs "%" on schedule %', p_job_name, v_jobid, v_command, p_schedule;
  return v_jobid;
end
$$;
comment on function monitoring.schedule_with_pg_cron(text, text) is
  'When pg_cron is installed, schedules select * from monitoring.run_maintenance() (default every minute, job name platform_run_maintenance) as the calling role, replacing any job of the same name: safe to call again. Without pg_cron, raises a notice with the external cron line and returns NULL. 22023 for a malformed schedule or name.';

create function monitoring.unschedule_pg_cron(p_job_name text default 'platform_run_maintenance')
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if to_regprocedure('cron.unschedule(bigint)') is null or to_regclass('cron.job') is null then
    return 0;
  end if;
  execute 'select count(cron.unschedule(j.jobid))::int from cron.job as j '
          'where j.jobname = $1 and j.username = current_user'
     into v_count using p_job_name;
  return v_count;
end
$$;
comment on function monitoring.unschedule_pg_cron(text) is
  'Removes the calling role''s pg_cron jobs of that name (default platform_run_maintenance); returns how many. 0 without pg_cron.';

-- Scheduling is an operator's decision, taken as the role that will own the job: no grant.
revoke execute on function monitoring.schedule_with_pg_cron(text, text) from public;
revoke execute on function monitoring.unschedule_pg_cron(text) from public;

commit;
