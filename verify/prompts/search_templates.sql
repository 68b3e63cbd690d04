-- Verify platform:prompts/search_templates on pg

begin;

select organization_id, template_id, name, category, description, template_version_id, version, rank
  from prompts.search_templates('anything', 1)
 where false;

rollback;
