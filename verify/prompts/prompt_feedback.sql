-- Verify platform:prompts/prompt_feedback on pg

begin;

select organization_id, id, execution_id, template_id, template_version_id, user_id, rating, thumbs_up,
       comment, created_at, updated_at
  from prompts.prompt_feedback
 where false;

-- A BEFORE ROW trigger runs before the RLS check: it must run as the caller.
select 1 / (not p.prosecdef)::int from pg_catalog.pg_proc as p
 where p.oid = 'prompts.tg_prompt_feedback__link_execution()'::regprocedure;

select 1 / count(*)
  from pg_catalog.pg_constraint
 where conrelid = 'prompts.prompt_feedback'::regclass
   and conname = 'prompt_feedback_organization_id_execution_id_user_id_key' and contype = 'u';

rollback;
