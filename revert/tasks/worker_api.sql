-- Revert platform:tasks/worker_api from pg

begin;

drop function tasks.fail_task(uuid, uuid, text, text, boolean);
drop function tasks.complete_tasks(text, uuid[], jsonb[]);
drop function tasks.complete_task(uuid, uuid, text, jsonb);
drop function tasks.heartbeat_task(uuid, uuid, text);
drop function internal.tasks_complete_batch(text, uuid[], jsonb[]);

commit;
