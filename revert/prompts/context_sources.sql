-- Revert platform:prompts/context_sources from pg

begin;

drop trigger _900_audit_delete on prompts.context_sources;
drop trigger _900_audit_update on prompts.context_sources;
drop trigger _900_audit_insert on prompts.context_sources;
drop table prompts.context_sources;

commit;
