-- Verify platform:projects/status_machine on pg

begin;

select 1 / (count(*) = 8)::int from base.status_transitions where machine = 'projects.projects.status';

select 1 / (count(*) = 1)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'projects.projects'::regclass and tgname = '_000_check_status_transition'
   and tgfoid = 'internal.tg__check_status_transition()'::regprocedure;

rollback;
