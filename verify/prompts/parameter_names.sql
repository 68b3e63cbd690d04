-- Verify platform:prompts/parameter_names on pg
-- Every renamed function has its new parameter names.

begin;

do $verify$
declare
  v_rec record;
begin
  for v_rec in
    select e.sig, e.names, p.proargnames
      from (values
      ('prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer)', array['organization_id', 'model', 'at', 'input_tokens', 'output_tokens']),
      ('prompts.json_value_has_type(jsonb, text)', array['value', 'type']),
      ('prompts.model_price_at(uuid, text, timestamp with time zone)', array['organization_id', 'model', 'at', 'input_price_per_mtok', 'output_price_per_mtok', 'price_source']),
      ('prompts.organization_search_token(uuid)', array['organization_id']),
      ('prompts.render_template_text(text, jsonb, jsonb)', array['template_text', 'declared', 'variables']),
      ('internal.search_templates(text, integer, uuid, boolean)', array['p_query', 'p_max_results', 'p_organization_id', 'p_include_archived', 'organization_id', 'template_id', 'name', 'category', 'description', 'template_version_id', 'version', 'rank']),
      ('prompts.search_templates(text, integer, uuid, boolean)', array['query', 'max_results', 'only_organization_id', 'include_archived', 'organization_id', 'template_id', 'name', 'category', 'description', 'template_version_id', 'version', 'rank']),
      ('prompts.subject_hash(uuid, text)', array['experiment_id', 'subject_key']),
      ('prompts.template_placeholders(text)', array['template_text']),
      ('prompts.utf8_sha256(text)', array['value']),
      ('prompts.validate_template(text, jsonb)', array['template_text', 'variables']),
      ('prompts.validate_variable_declarations(jsonb)', array['variables']),
      ('internal.put_context(uuid, text, text, interval, jsonb)', array['p_source_id', 'p_key', 'p_content', 'p_ttl', 'p_metadata'])
           ) as e (sig, names)
      left join pg_catalog.pg_proc as p on p.oid = pg_catalog.to_regprocedure(e.sig)
  loop
    if v_rec.proargnames is distinct from v_rec.names::text[] then
      raise exception 'prompts/parameter_names: % has parameters %, expected %', v_rec.sig, v_rec.proargnames, v_rec.names;
    end if;
  end loop;
end
$verify$;

select search_vector from prompts.prompt_templates where false;
select content_hash from prompts.context_data where false;
select 1 / count(*) from pg_catalog.pg_indexes
 where schemaname = 'prompts' and indexname = 'prompt_templates_search_vector_idx';

rollback;
