-- Revert platform:prompts/search_templates from pg

begin;

drop function prompts.search_templates(text, integer, uuid, boolean);
drop function internal.search_templates(text, integer, uuid, boolean);

commit;
