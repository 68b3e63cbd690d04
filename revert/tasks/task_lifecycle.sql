-- Revert platform:tasks/task_lifecycle from pg

begin;

drop function internal.tasks_finish(uuid, uuid, text, text, jsonb, text, boolean);
drop function internal.tasks_cancel_cascade(uuid, uuid[], boolean, text, uuid, text);
drop function internal.tasks_release_dependants(uuid, uuid);
drop function internal.tasks_refresh_workflow(uuid, uuid, boolean);
drop function internal.tasks_lock_workflow(uuid, uuid);
drop function internal.tasks_raise_not_leased(uuid, uuid, text, text);
drop function internal.tasks_find(uuid, uuid);
drop function internal.tasks_authorize(uuid, base.organization_role, text);

commit;
