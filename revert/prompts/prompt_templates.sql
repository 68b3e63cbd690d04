-- Revert platform:prompts/prompt_templates from pg

begin;

drop trigger _900_audit_delete on prompts.prompt_templates;
drop trigger _900_audit_update on prompts.prompt_templates;
drop trigger _900_audit_insert on prompts.prompt_templates;
drop table prompts.prompt_templates;
drop function prompts.tg_prompt_templates__guard_active_version();
drop function prompts.organization_search_token(uuid);

commit;
