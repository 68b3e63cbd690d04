-- Module routines registered with the maintenance entry point run from it and record their result.
begin;
select plan(2);

select results_eq(
  $$select job_name, status from monitoring.run_maintenance('prompts.cleanup_expired_context_data')$$,
  $$values ('prompts.cleanup_expired_context_data'::text, 'succeeded'::text)$$,
  'the context cleanup runs from the maintenance entry point and succeeds');
select is(
  (select status from monitoring.maintenance_runs where job_name = 'prompts.cleanup_expired_context_data' order by started_at desc limit 1),
  'succeeded', 'and its run is recorded for the alert views');

select * from finish();
rollback;
