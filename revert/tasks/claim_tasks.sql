-- Revert platform:tasks/claim_tasks from pg

begin;

drop function tasks.claim_tasks(text, integer, text[]);
drop function tasks.promote_due_tasks(integer);
drop function internal.tasks_start_workflow(uuid, uuid);

commit;
