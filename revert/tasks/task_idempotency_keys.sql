-- Revert platform:tasks/task_idempotency_keys from pg

begin;

drop table tasks.task_idempotency_keys;

commit;
