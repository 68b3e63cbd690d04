-- bench/tasks.py baseline: the bare one-statement queue (take and finish in one DELETE).
delete from bench_baseline.q where id = (select id from bench_baseline.q order by id for update skip locked limit 1) returning *;
