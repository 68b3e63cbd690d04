-- bench/tasks.py reference: the bare two-transaction queue whose finish also keeps a record of the
-- finished task (DELETE ... RETURNING feeding an INSERT, as complete_task does into task_history).
update bench_baseline.q2 set status = 'running', worker = 'pgbench-' || :client_id
 where id = (select id from bench_baseline.q2 where status = 'pending' order by id for update skip locked limit 1)
returning id as qid \gset
with done as (delete from bench_baseline.q2 where id = :qid returning id, worker, payload)
insert into bench_baseline.q2_history (id, worker, payload, finished_at) select id, worker, payload, now() from done;
