-- Revert platform:prompts/context_cache from pg

begin;

drop function prompts.cleanup_expired_context_data();
drop function prompts.put_context(uuid, text, text, interval, jsonb);
drop function internal.put_context(uuid, text, text, interval, jsonb);
drop function prompts.get_context(uuid, text);

commit;
