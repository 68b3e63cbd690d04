-- Revert platform:prompts/prompt_template_versions from pg

begin;

drop trigger _900_audit_delete on prompts.prompt_template_versions;
drop trigger _900_audit_update on prompts.prompt_template_versions;
drop trigger _900_audit_insert on prompts.prompt_template_versions;
drop table prompts.prompt_template_versions;
drop function prompts.tg_prompt_template_versions__refuse_delete();
drop function prompts.tg_prompt_template_versions__sync_template();
drop function prompts.tg_prompt_template_versions__immutable();
drop function prompts.tg_prompt_template_versions__before_insert();
drop function internal.prompts_serialize_template_versions(uuid);

commit;
