-- The alert plumbing: registered sources flow into critical_alerts, data_integrity_checks and the
-- recommendations; a missing or broken source becomes a warning instead of an error; the summary
-- agrees with the alerts; the health views always answer; pg_cron scheduling is idempotent.
begin;
select plan(32);
set local client_min_messages = warning;  -- the scheduling notices are expected

-- A module registers its own finding view (here: one warning, one integrity row).
create view monitoring.test_module_performance as
select 'queries'::text as category, 'test_queue_depth'::text as check_name, 'test.queue'::text as object_name,
       'warning'::text as severity, 42::numeric as value, 'the test queue holds 42 items'::text as details,
       'drain it'::text as recommended_action;
create view monitoring.test_module_integrity as
select 'integrity'::text as category, 'test_orphans'::text as check_name, 'test.children'::text as object_name,
       'ok'::text as severity, 0::numeric as value, 'no orphan'::text as details, 'No action needed.'::text as recommended_action;
grant select on monitoring.test_module_performance, monitoring.test_module_integrity to platform_monitor;
insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.test_module_performance', 'performance', 'a module''s performance view'),
  ('monitoring.test_module_integrity', 'integrity', 'a module''s integrity view');

select is((select severity || ' ' || source_view from monitoring.critical_alerts where check_name = 'test_queue_depth'),
          'warning monitoring.test_module_performance', 'a registered view''s warning reaches critical_alerts');
select is((select category from monitoring.performance_optimization_recommendations where check_name = 'test_queue_depth'),
          'queries', 'and the performance recommendations, by its category');
select is((select severity from monitoring.data_integrity_checks where check_name = 'test_orphans'), 'ok',
          'an integrity view''s rows, ok included, reach data_integrity_checks');
select is((select count(*)::integer from monitoring.critical_alerts where check_name = 'test_orphans'), 0,
          'ok rows stay out of critical_alerts');
update monitoring.finding_sources set is_enabled = false where source_view = 'monitoring.test_module_performance';
select is((select count(*)::integer from monitoring.critical_alerts where check_name = 'test_queue_depth'), 0,
          'a disabled source is left out');

-- Missing and broken sources degrade into findings, never errors.
insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.test_not_deployed', 'performance', 'a module view not deployed yet');
create view monitoring.test_broken as select 1 as nothing_useful;
insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.test_broken', 'quality', 'a view that breaks the contract');
select is((select severity || ' ' || check_name from monitoring.critical_alerts where object_name = 'monitoring.test_not_deployed'),
          'warning finding_source_missing', 'a registered view that does not exist is a warning');
select is((select severity || ' ' || check_name from monitoring.critical_alerts where object_name = 'monitoring.test_broken'),
          'warning finding_source_failed', 'a registered view that breaks the contract is a warning');
select matches((select details from monitoring.critical_alerts where object_name = 'monitoring.test_broken'),
               'column f\.category does not exist', 'with the error that broke it');
select lives_ok('select * from monitoring.maintenance_recommendations', 'the other views keep working');
delete from monitoring.finding_sources where source_view in ('monitoring.test_not_deployed', 'monitoring.test_broken');

select throws_ok($$select * from monitoring.collect_findings(null, 'severe')$$, '22023',
                 'minimum severity severe is not one of ok, info, warning, critical', 'an unknown severity is refused');
select throws_ok($$select * from monitoring.collect_findings('billing', 'info')$$, '22023',
                 'area billing is not one of health, performance, integrity, quality, maintenance', 'an unknown area is refused');
select throws_ok($$insert into monitoring.finding_sources (source_view, area, description) values ('nonqualified', 'health', 'x')$$,
                 '23514', null, 'a source must be schema-qualified');

-- The recommendation views keep to their categories.
select is(array(select distinct category from monitoring.maintenance_recommendations
                 where category not in ('vacuum', 'statistics', 'bloat', 'wraparound', 'partitioning', 'capacity', 'maintenance',
                                        'replication', 'retention')),
          '{}'::text[], 'maintenance_recommendations holds maintenance categories only');
select is(array(select distinct category from monitoring.performance_optimization_recommendations
                 where category not in ('indexing', 'queries', 'caching', 'configuration', 'connections', 'observability', 'queues')),
          '{}'::text[], 'performance_optimization_recommendations holds performance categories only');
select is(array(select distinct severity from monitoring.critical_alerts where severity not in ('warning', 'critical')),
          '{}'::text[], 'critical_alerts holds warnings and criticals only');

-- The summary agrees with the alerts.
update monitoring.finding_sources set is_enabled = true where source_view = 'monitoring.test_module_performance';
select is((select critical_alerts from monitoring.database_health_summary),
          (select count(*) from monitoring.critical_alerts where severity = 'critical'), 'the summary counts the critical alerts');
select is((select warning_alerts from monitoring.database_health_summary),
          (select count(*) from monitoring.critical_alerts where severity = 'warning'), 'the summary counts the warnings');
select is((select overall_severity from monitoring.database_health_summary),
          (select coalesce((select severity from monitoring.critical_alerts limit 1), 'info')),
          'the overall severity is the worst alert');

-- The health views always answer, one row per check.
select is((select count(distinct check_name)::integer from monitoring.system_health), 11, 'system_health has its 11 checks');
-- age() and mxid_age() are integers: 100 * age overflowed once a database was 21.5 million
-- transactions old, and system_health failed as a whole (a test database is far younger, so the
-- arithmetic is checked in the views' text).
select is(array(select c.oid::regclass::text
                  from pg_class as c
                 where c.relnamespace = 'monitoring'::regnamespace and c.relkind = 'v'
                   and pg_get_viewdef(c.oid) ~ '(^|[^.\d])\d+ \* \(?\w+\.m?xid_age\M'),
          '{}'::text[], 'no monitoring view multiplies an xid or multixact age in integer arithmetic');
select is(array(select check_name from monitoring.system_health group by check_name having count(*) > 1),
          '{}'::text[], 'one row per health check');
select is((select capacity from monitoring.database_resource_utilization where check_name = 'connection_usage'),
          current_setting('max_connections')::numeric - current_setting('superuser_reserved_connections')::numeric,
          'connections are measured against max_connections minus the reserved ones');
select is((select severity from monitoring.settings_review where object_name = 'fsync'),
          case when current_setting('fsync') = 'off' then 'critical' else 'ok' end, 'fsync off is critical, on is ok');
select ok(case when exists (select from pg_extension where extname = 'pg_stat_statements')
               then exists (select from monitoring.slow_query_analysis where check_name = 'slow_query')
               else (select count(*) = 1 from monitoring.slow_query_analysis where check_name = 'pg_stat_statements_unavailable') end,
          'slow_query_analysis lists statements when pg_stat_statements is installed, one unavailable row otherwise');

-- pg_cron: absent here, so a notice and NULL.
select is(monitoring.schedule_with_pg_cron(), null::bigint, 'without pg_cron nothing is scheduled (a notice says what to do)');
select throws_ok($$select monitoring.schedule_with_pg_cron('every minute')$$, '22023', null, 'a malformed schedule is refused');

-- A stand-in for pg_cron with its interface, to prove the scheduling is idempotent.
create schema cron;
create table cron.job (jobid bigserial primary key, jobname text, schedule text, command text,
                       username text not null default current_user);
create function cron.schedule(p_job_name text, p_schedule text, p_command text) returns bigint
language sql as $$ insert into cron.job (jobname, schedule, command) values (p_job_name, p_schedule, p_command) returning jobid $$;
create function cron.unschedule(p_job_id bigint) returns boolean
language sql as $$ delete from cron.job where jobid = p_job_id returning true $$;
insert into cron.job (jobname, schedule, command, username) values ('platform_run_maintenance', '0 0 * * *', 'other', 'someone_else');

select isnt(monitoring.schedule_with_pg_cron(), null::bigint, 'with pg_cron the entry point is scheduled');
select is((select schedule || ' | ' || command from cron.job where username = current_user),
          '* * * * * | select * from monitoring.run_maintenance()', 'every minute, calling run_maintenance()');
select lives_ok($$select monitoring.schedule_with_pg_cron('*/5 * * * *')$$, 'scheduling again');
select is((select array_agg(schedule) from cron.job where username = current_user), array['*/5 * * * *'],
          'replaces the job instead of adding one (idempotent)');
select is(monitoring.unschedule_pg_cron(), 1, 'unschedule removes it');
select is((select array_agg(username) from cron.job), array['someone_else'], 'another role''s job of the same name is left alone');

select * from finish();
rollback;
