-- Revert platform:prompts/template_text from pg

begin;

drop function prompts.render_template_text(text, jsonb, jsonb);
drop function prompts.validate_template(text, jsonb);
drop function prompts.validate_variable_declarations(jsonb);
drop function prompts.template_placeholders(text);
drop function prompts.json_value_has_type(jsonb, text);
drop function prompts.placeholder_pattern();
drop function prompts.utf8_sha256(text);

commit;
