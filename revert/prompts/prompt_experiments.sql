-- Revert platform:prompts/prompt_experiments from pg

begin;

drop trigger _900_audit_delete on prompts.prompt_experiments;
drop trigger _900_audit_update on prompts.prompt_experiments;
drop trigger _900_audit_insert on prompts.prompt_experiments;
drop table prompts.prompt_experiments;

commit;
