-- Revert platform:tasks/cancel_task from pg

begin;

drop function tasks.cancel_workflow(uuid, uuid, text);
drop function tasks.cancel_task(uuid, uuid, text);

commit;
