-- monitoring.tasks_performance_analysis flags a stuck task lease and a queue that waits too long,
-- and clears once lease recovery ran from the maintenance entry point.
begin;
select plan(6);

-- Only this test's rows count: park the database's other unfinished tasks.
update tasks.tasks set scheduled_at = now() + interval '1 day' where status = 'pending';

select organization_id as org from tests.create_tenant('mon-tasks') \gset
insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts, lease_duration)
values (:'org', 'mon-job', 'mon-q', 3, interval '30 seconds');

select is((select severity from monitoring.tasks_performance_analysis where check_name = 'task_stuck_leases'),
  'ok', 'no stuck lease: ok');

select (tasks.enqueue_task(organization_id => :'org', definition_name => 'mon-job')).id as task \gset
update tasks.tasks set scheduled_at = now() - interval '2 hours' where id = :'task';
select is((select severity from monitoring.tasks_performance_analysis where check_name = 'task_oldest_ready_age'),
  'critical', 'a task ready for two hours is critical (threshold 1800 s)');

select count(*) from tasks.claim_tasks(worker_id => 'crashed-worker', max_tasks => 1, queue_names => array['mon-q']);
update tasks.tasks set locked_until = now() - interval '5 minutes' where id = :'task';
select is((select severity from monitoring.tasks_performance_analysis where check_name = 'task_stuck_leases'),
  'warning', 'a lease expired five minutes ago is a stuck lease (warning)');
select ok(exists (select from monitoring.critical_alerts where check_name = 'task_stuck_leases'),
  'critical_alerts carries the stuck lease');

select lives_ok($$select * from monitoring.run_maintenance('tasks.recover_expired_leases')$$,
  'lease recovery runs from the maintenance entry point');
select is((select severity from monitoring.tasks_performance_analysis where check_name = 'task_stuck_leases'),
  'ok', 'the stuck-lease alert clears once recovery ran');

select * from finish();
rollback;
