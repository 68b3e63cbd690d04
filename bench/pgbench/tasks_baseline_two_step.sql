-- bench/tasks.py reference: the bare two-transaction queue (take with an UPDATE, finish with a
-- DELETE), the least any queue with a lease can do per task.
update bench_baseline.q2 set status = 'running', worker = 'pgbench-' || :client_id
 where id = (select id from bench_baseline.q2 where status = 'pending' order by id for update skip locked limit 1)
returning id as qid \gset
delete from bench_baseline.q2 where id = :qid;
