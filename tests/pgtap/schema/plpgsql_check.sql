-- plpgsql_check over every PL/pgSQL function of the package: zero errors and zero warnings.
-- Trigger functions are checked once per table they are attached to (with that table's row type
-- and transition tables). The extension needs a superuser to install: scripts/test.sh installs it
-- when it can; on a server where it cannot, the check is skipped and says why.
begin;
select plan(2);

select exists (select from pg_extension where extname = 'plpgsql_check') as has_plpgsql_check \gset

\if :has_plpgsql_check
create temporary view plpgsql_targets as
with funcs as (
  select p.oid, p.prorettype = 'pg_catalog.trigger'::regtype as is_trigger
    from pg_proc as p
    join pg_language as l on l.oid = p.prolang and l.lanname = 'plpgsql'
   where p.pronamespace::regnamespace::text in
         ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
)
select f.oid, 0::oid as relid, null::name as oldtable, null::name as newtable
  from funcs as f where not f.is_trigger
union all
select f.oid, t.tgrelid, t.tgoldtable, t.tgnewtable
  from funcs as f join pg_trigger as t on t.tgfoid = f.oid
 where f.is_trigger and not t.tgisinternal and t.tgparentid = 0;  -- partitions' clones check the same body

-- Justified exceptions, each with its reason. Anything else plpgsql_check reports fails the test.
create temporary table plpgsql_check_exceptions (function_name text, message_like text, reason text);
insert into plpgsql_check_exceptions values
  ('monitoring.schedule_with_pg_cron(text,text)', 'relation "cron.job" does not exist',
   'pg_cron is optional and detected at run time (to_regclass); test databases do not have it'),
  ('monitoring.schedule_with_pg_cron(text,text)', 'schema "cron" does not exist',
   'pg_cron is optional and detected at run time (to_regprocedure); test databases do not have it'),
  ('monitoring.unschedule_pg_cron(text)', 'relation "cron.job" does not exist',
   'pg_cron is optional and detected at run time (to_regclass); test databases do not have it'),
  ('internal.tg__check_partition_key()', 'record "new" has no field',
   'one CASE branch per partition key name the package uses; only the branch named by the trigger argument (the table''s key column) runs; other key names take the to_jsonb(NEW) branch'),
  ('monitoring.checkpoint_counts()', 'relation "pg_catalog.pg_stat_checkpointer" does not exist',
   'PostgreSQL 17 moved the checkpoint counts to pg_stat_checkpointer: the function reads it only where to_regclass finds it, pg_stat_bgwriter before'),
  ('monitoring.checkpoint_counts()', 'column b.checkpoints_timed does not exist',
   'the pg_stat_bgwriter branch runs only before PostgreSQL 17, where the column exists'),
  ('monitoring.run_maintenance(text)', 'text type variable is not sanitized',
   'the call is built from %I-quoted names plus function_args of monitoring.maintenance_jobs, which only the owner and service_role can write: a job registry kept as data, not user input'),
  ('base.create_partition(regclass,text,timestamp with time zone)', 'function pg_catalog.truncate_local_data_after_distributing_table(regclass) does not exist',
   'a Citus function, called only where the citus extension exists (checked first)');

select ok((select count(*) from plpgsql_targets) > 0, 'there are PL/pgSQL functions to check');

select is(
  (select array_agg(format('%s%s: %s %s%s', t.oid::regprocedure,
                           case when t.relid <> 0 then ' on ' || t.relid::regclass::text else '' end,
                           c.level, c.message, coalesce(' (' || c.query || ')', ''))
                    order by 1)
     from plpgsql_targets as t,
          plpgsql_check_function_tb(t.oid, t.relid, fatal_errors => false, other_warnings => true,
                                    extra_warnings => true, security_warnings => true,
                                    oldtable => t.oldtable, newtable => t.newtable) as c
    where not exists (select from plpgsql_check_exceptions as x
                       where x.function_name = t.oid::regprocedure::text
                         and c.message like x.message_like || '%')),
  null,
  'plpgsql_check finds no error and no warning in any function, justified exceptions aside');
\else
select case when exists (select from pg_available_extensions where name = 'plpgsql_check')
            then 'plpgsql_check is not installed in this database (it needs a superuser to install)'
            else format('plpgsql_check is not available on this server (PostgreSQL %s build without it, e.g. the version matrix''s npm builds)',
                        current_setting('server_version')) end as skip_reason \gset
select skip(:'skip_reason', 2);
\endif

select * from finish();
rollback;
