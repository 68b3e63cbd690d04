-- Verify platform:prompts/prompt_templates on pg

begin;

select organization_id, id, name, category, description, is_archived, active_version_id, active_version,
       active_template_text, created_by, created_at, updated_at, search_vector
  from prompts.prompt_templates
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'prompts.prompt_templates'::regclass;

rollback;
