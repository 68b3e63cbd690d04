-- Verify platform:prompts/prompt_variations on pg

begin;

select organization_id, id, experiment_id, template_id, template_version_id, name, description,
       weight, starts_at, ends_at, created_at, updated_at
  from prompts.prompt_variations
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'prompts.prompt_variations'::regclass;

rollback;
