-- Verify platform:prompts/status_machine on pg

begin;

select 1 / (count(*) = 4)::int from base.status_transitions where machine = 'prompts.prompt_executions.status';

select 1 / (count(*) = 1)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'prompts.prompt_executions'::regclass
   and tgname = '_000_check_status_transition'
   and tgfoid = 'internal.tg__check_status_transition()'::regprocedure;

select 1 / (pg_catalog.strpos(p.prosrc, 'base.status_transitions') > 0)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'prompts.tg_prompt_executions__compute()'::regprocedure;

rollback;
