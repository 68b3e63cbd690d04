-- Deploy platform:prompts/render_prompt to pg
-- Rendering for callers: by template (its active version) or by an exact version (what an
-- execution or an A/B variation pins). Invoker rights: the caller's RLS decides which templates
-- exist for them, so a template of another organization is "not found" (P0002), not forbidden,
-- and leaks nothing.

begin;

create function prompts.render_template_version(template_version_id uuid, variables jsonb default '{}')
returns text
language plpgsql
stable
as $$
declare
  v_version prompts.prompt_template_versions;
begin
  select * into v_version
    from prompts.prompt_template_versions as v
   where v.id = render_template_version.template_version_id;
  if not found then
    raise exception 'prompt template version % not found', render_template_version.template_version_id
      using errcode = 'P0002';
  end if;
  return prompts.render_template_text(v_version.template_text, v_version.variables, render_template_version.variables);
end
$$;
comment on function prompts.render_template_version(uuid, jsonb) is
  'Renders one exact template version with the given variables (JSON object). P0002 when the version is not visible; 22023 naming the variable for a missing required, unknown or wrongly typed variable.';

create function prompts.render_prompt(template_id uuid, variables jsonb default '{}')
returns text
language plpgsql
stable
as $$
declare
  v_version prompts.prompt_template_versions;
begin
  select * into v_version
    from prompts.prompt_template_versions as v
   where v.template_id = render_prompt.template_id and v.is_active;
  if not found then
    if not exists (select from prompts.prompt_templates as t where t.id = render_prompt.template_id) then
      raise exception 'prompt template % not found', render_prompt.template_id
        using errcode = 'P0002';
    end if;
    raise exception 'prompt template % has no active version', render_prompt.template_id
      using errcode = '55000', hint = 'Activate a version (is_active = true) or insert a new one.';
  end if;
  return prompts.render_template_text(v_version.template_text, v_version.variables, render_prompt.variables);
end
$$;
comment on function prompts.render_prompt(uuid, jsonb) is
  'Renders the active version of a template with the given variables (JSON object of name: value): defaults applied, values substituted verbatim in one pass. 22023 naming the variable for a missing required, unknown or wrongly typed one; P0002 for an unknown template; 55000 when no version is active.';

revoke execute on function prompts.render_template_version(uuid, jsonb) from public;
revoke execute on function prompts.render_prompt(uuid, jsonb) from public;
grant execute on function prompts.render_template_version(uuid, jsonb) to authenticated, service_role;
grant execute on function prompts.render_prompt(uuid, jsonb) to authenticated, service_role;

commit;
