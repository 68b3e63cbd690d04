-- Verify platform:prompts/prompt_experiments on pg

begin;

select organization_id, id, template_id, name, description, created_by, created_at, updated_at
  from prompts.prompt_experiments
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'prompts.prompt_experiments'::regclass;

rollback;
