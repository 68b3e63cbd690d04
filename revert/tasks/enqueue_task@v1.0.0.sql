-- Revert platform:tasks/enqueue_task from pg

begin;

drop function tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid);
drop function tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid);
drop function internal.tasks_definition_for_enqueue(uuid, text, integer, text);

commit;
