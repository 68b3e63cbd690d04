-- Verify platform:analytics/status_machine on pg

begin;

select 1 / (count(*) = 6)::int from base.status_transitions where machine = 'analytics.analysis_runs.status';
select 1 / (count(*) = 11)::int from base.status_transitions where machine = 'analytics.issues.status';

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_trigger
 where tgrelid in ('analytics.analysis_runs'::regclass, 'analytics.issues'::regclass)
   and tgname = '_000_check_status_transition'
   and tgfoid = 'internal.tg__check_status_transition()'::regprocedure;

rollback;
