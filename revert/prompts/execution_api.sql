-- Revert platform:prompts/execution_api from pg

begin;

drop function prompts.finish_execution(uuid, text, integer, integer, integer, text, jsonb);
drop function prompts.start_execution(uuid, jsonb, uuid, text, uuid);

commit;
