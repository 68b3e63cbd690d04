-- bench/tasks.py, single claim with the pgbench client: claim one task, then complete it, each
-- statement its own transaction (autocommit), as a worker (service_role).
select organization_id as oid, id as tid from tasks.claim_tasks(worker_id => 'pgbench-' || :client_id, max_tasks => 1, queue_names => '{bench}') \gset
select 1 from tasks.complete_task(organization_id => :oid::uuid, task_id => :tid::uuid, worker_id => 'pgbench-' || :client_id, result => '{"ok": true}');
