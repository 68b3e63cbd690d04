-- Revert platform:prompts/schema from pg

begin;

drop schema prompts;

commit;
