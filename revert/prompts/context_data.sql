-- Revert platform:prompts/context_data from pg

begin;

drop table prompts.context_data;

commit;
