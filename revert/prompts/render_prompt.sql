-- Revert platform:prompts/render_prompt from pg

begin;

drop function prompts.render_prompt(uuid, jsonb);
drop function prompts.render_template_version(uuid, jsonb);

commit;
