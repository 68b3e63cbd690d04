-- The maintenance runner: due jobs run, each in its own subtransaction; a failing job is
-- recorded and the others still run; a job whose function is missing is skipped; failing and
-- stale jobs raise alerts that clear once the job succeeds again.
begin;
select plan(31);

create schema monitoring_test;
create table monitoring_test.switch (is_broken boolean not null, calls integer not null default 0);
insert into monitoring_test.switch values (true, 0);
create function monitoring_test.flaky_job() returns integer
language plpgsql volatile as $$
begin
  update monitoring_test.switch set calls = calls + 1;
  if (select is_broken from monitoring_test.switch) then
    raise exception 'flaky job is broken' using errcode = '55000';
  end if;
  return 7;
end
$$;
create function monitoring_test.text_job(p_word text) returns text language sql volatile as $$ select 'said ' || p_word $$;

-- The jobs modules registered are not this test's subject: only base's and the test's own run.
update monitoring.maintenance_jobs set is_enabled = false where job_name <> 'base.partition_maintenance';

-- Registration is one INSERT.
insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description) values
  ('test.flaky', 'monitoring_test.flaky_job', '', interval '1 hour', 'fails while the switch says so'),
  ('test.words', 'monitoring_test.text_job', '''hello''', interval '1 hour', 'returns text'),
  ('test.absent', 'monitoring_test.not_deployed_yet', '100', interval '1 hour', 'its module is not deployed');

-- A clean slate for the base job, whatever ran before in this database.
delete from monitoring.maintenance_runs;

create temporary table run1 as select * from monitoring.run_maintenance();
select is((select status from run1 where job_name = 'base.partition_maintenance'), 'succeeded',
          'the base partition maintenance job runs and succeeds');
select is((select status from run1 where job_name = 'test.flaky'), 'failed', 'the failing job is recorded as failed');
select is((select error_message from run1 where job_name = 'test.flaky'), 'flaky job is broken', 'with its error message');
select is((select status || ': ' || detail from run1 where job_name = 'test.absent'),
          'skipped: function monitoring_test.not_deployed_yet does not exist (is its module deployed?)',
          'a job whose function does not exist is skipped, saying why');
select is((select detail from run1 where job_name = 'test.words'), 'said hello',
          'the jobs after the failing one still ran (arguments passed, text result kept)');
select is((select count(*)::integer from run1), 4, 'every due job ran once');
select is((select error_sqlstate from monitoring.maintenance_runs where job_name = 'test.flaky'), '55000',
          'the run history keeps the SQLSTATE');
select is((select calls from monitoring_test.switch), 0,
          'the failing job''s own writes were rolled back with its subtransaction');
select ok((select bool_and(duration >= interval '0' and finished_at >= started_at and run_reason = 'due')
             from monitoring.maintenance_runs), 'each run records its start, end, duration and reason');

select is((select count(*)::integer from monitoring.run_maintenance()), 0, 'nothing is due a second time within the interval');

select is((select severity from monitoring.maintenance_job_status where object_name = 'test.flaky'), 'warning',
          'one failure: the job status warns');
select is((select check_name from monitoring.maintenance_job_status where object_name = 'test.flaky'), 'maintenance_job_failures',
          'as a failing job');
select is((select severity from monitoring.critical_alerts where check_name = 'maintenance_job_failures' and object_name = 'test.flaky'),
          'warning', 'and critical_alerts shows it');
select is((select severity from monitoring.maintenance_job_status where object_name = 'test.absent'), 'warning',
          'a job whose function is missing warns');
select is((select check_name from monitoring.maintenance_job_status where object_name = 'test.absent'),
          'maintenance_job_missing_function', 'as a missing function');

select is((select status from monitoring.run_maintenance('test.flaky')), 'failed', 'a named job runs on demand, due or not');
select is((select status from monitoring.run_maintenance('test.flaky')), 'failed', 'and fails again');
select is((select severity from monitoring.maintenance_job_status where object_name = 'test.flaky'), 'critical',
          'three failures in a row: critical');
select is((select consecutive_failures from monitoring.maintenance_job_status where object_name = 'test.flaky'), 3::bigint,
          'the status counts the consecutive failures');
select is((select run_reason from monitoring.maintenance_runs where job_name = 'test.flaky' order by started_at desc limit 1),
          'manual', 'a named run is recorded as manual');

update monitoring_test.switch set is_broken = false;
select is((select rows_affected from monitoring.run_maintenance('test.flaky')), 7::bigint,
          'once fixed it succeeds, and a numeric result is recorded as rows affected');
select is((select severity from monitoring.maintenance_job_status where object_name = 'test.flaky'), 'ok',
          'the failing-job alert clears after a success');
select is((select count(*)::integer from monitoring.critical_alerts where object_name = 'test.flaky'), 0,
          'and leaves critical_alerts');

-- Stale: enabled, registered long ago, never succeeded (nothing schedules the runner).
insert into monitoring.maintenance_jobs (job_name, function_name, run_interval, description, created_at)
values ('test.forgotten', 'monitoring_test.flaky_job', interval '1 hour', 'never run', now() - interval '5 hours');
select is((select severity || ' ' || check_name from monitoring.maintenance_job_status where object_name = 'test.forgotten'),
          'warning maintenance_job_stale', 'a job with no success for 3+ intervals is stale (warning)');
update monitoring.maintenance_jobs set created_at = now() - interval '11 hours' where job_name = 'test.forgotten';
select is((select severity from monitoring.maintenance_job_status where object_name = 'test.forgotten'), 'critical',
          'for 10+ intervals it is critical');
update monitoring.maintenance_jobs set is_enabled = false where job_name = 'test.forgotten';
select is((select severity from monitoring.maintenance_job_status where object_name = 'test.forgotten'), 'ok',
          'a paused job is not stale');
select is((select count(*)::integer from monitoring.run_maintenance() where job_name = 'test.forgotten'), 0,
          'and the schedule does not run it');

select throws_ok($$select * from monitoring.run_maintenance('test.nobody')$$, 'P0002',
                 'maintenance job test.nobody is not registered', 'an unknown job name is an error');
select throws_ok($$insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description)
                   values ('test.evil', 'monitoring_test.text_job', $q$'x'); drop table base.users; --$q$, '1 hour', 'no')$$,
                 '23514', null, 'arguments cannot smuggle a second statement');

select tests.authenticate_as_service_role();
select lives_ok($$select * from monitoring.run_maintenance('test.words')$$, 'service_role runs the maintenance');
select tests.clear_authentication();
set local role platform_monitor;
select throws_ok($$select * from monitoring.run_maintenance()$$, '42501', null, 'the read-only role cannot run it');
reset role;

select * from finish();
rollback;
