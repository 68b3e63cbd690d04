-- Verify platform:prompts/render_prompt on pg

begin;

select 'prompts.render_prompt(uuid, jsonb)'::regprocedure;
select 'prompts.render_template_version(uuid, jsonb)'::regprocedure;

-- Nothing is visible without a tenant: an unknown template is P0002.
do $$
begin
  perform prompts.render_prompt(base.uuid_generate_v7(), '{}');
  raise exception 'render_prompt accepted an unknown template';
exception when no_data_found then
  null;
end
$$;

rollback;
