-- Revert platform:prompts/prompt_variations from pg

begin;

drop trigger _900_audit_delete on prompts.prompt_variations;
drop trigger _900_audit_update on prompts.prompt_variations;
drop trigger _900_audit_insert on prompts.prompt_variations;
drop table prompts.prompt_variations;

commit;
