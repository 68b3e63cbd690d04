-- Verify platform:prompts/prompt_feedback on pg

begin;

select organization_id, id, execution_id, template_id, template_version_id, user_id, rating, thumbs_up,
       comment, created_at, updated_at
  from prompts.prompt_feedback
 where false;

select 1 / count(*)
  from pg_catalog.pg_constraint
 where conrelid = 'prompts.prompt_feedback'::regclass
   and conname = 'prompt_feedback_organization_id_execution_id_user_id_key' and contype = 'u';

rollback;
