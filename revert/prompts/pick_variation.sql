-- Revert platform:prompts/pick_variation from pg

begin;

drop function prompts.pick_variation(uuid, text);
drop function prompts.subject_hash(uuid, text);

commit;
