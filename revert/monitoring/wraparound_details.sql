-- Revert platform:monitoring/wraparound_details from pg
-- Back to the integer arithmetic of monitoring/system_health and monitoring/table_access_patterns.

begin;

set local lock_timeout = '5s';
-- Citus: view DDL in a transaction of the package's deploy runs its shard commands in sequence (a
-- placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace view monitoring.system_health as
with db as (
  select d.blks_hit, d.blks_read, d.deadlocks, d.stats_reset,
         pg_catalog.age(dd.datfrozenxid) as xid_age,
         pg_catalog.mxid_age(dd.datminmxid) as mxid_age
    from pg_catalog.pg_stat_database as d
    join pg_catalog.pg_database as dd on dd.oid = d.datid
   where d.datname = current_database()
),
xact as (
  select a.pid, a.usename::text as usename, a.state, now() - a.xact_start as age
    from pg_catalog.pg_stat_activity as a
   where a.datname = current_database() and a.backend_type = 'client backend'
     and a.pid <> pg_catalog.pg_backend_pid() and a.xact_start is not null
   order by a.xact_start
   limit 1
),
horizon as (
  select h.holder, h.xid_age, h.action
    from (
      select format('pid %s (%s, %s)', a.pid, a.usename, a.state) as holder,
             pg_catalog.age(a.backend_xmin) as xid_age,
             format('select pg_terminate_backend(%s); if it is a forgotten session', a.pid) as action
        from pg_catalog.pg_stat_activity as a
       where a.datname = current_database() and a.backend_xmin is not null
         and a.pid <> pg_catalog.pg_backend_pid()
      union all
      select format('prepared transaction %L', p.gid), pg_catalog.age(p.transaction),
             format('commit prepared %L; or rollback prepared %L;', p.gid, p.gid)
        from pg_catalog.pg_prepared_xacts as p
       where p.database = current_database()
      union all
      select format('replication slot %s', s.slot_name),
             greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin)),
             format('resume its consumer or: select pg_drop_replication_slot(%L);', s.slot_name)
        from pg_catalog.pg_replication_slots as s
       where s.xmin is not null or s.catalog_xmin is not null
    ) as h
   order by h.xid_age desc
   limit 1
),
prepared as (
  select p.gid, now() - p.prepared as age
    from pg_catalog.pg_prepared_xacts as p
   where p.database = current_database()
   order by p.prepared
   limit 1
),
slots as (
  select s.slot_name, s.slot_type, s.active, s.wal_status,
         pg_catalog.pg_wal_lsn_diff(
           case when pg_catalog.pg_is_in_recovery() then pg_catalog.pg_last_wal_replay_lsn()
                else pg_catalog.pg_current_wal_lsn() end,
           s.restart_lsn)::numeric as retained_bytes
    from pg_catalog.pg_replication_slots as s
),
worst_slot as (
  select s.*, monitoring.worst_severity(
           monitoring.classify('replication_slot_retained_wal', s.retained_bytes),
           case when not s.active then 'info' end,
           case when s.wal_status = 'unreserved' then 'warning' when s.wal_status = 'lost' then 'critical' end) as severity
    from slots as s
   order by monitoring.severity_rank(monitoring.worst_severity(
              monitoring.classify('replication_slot_retained_wal', s.retained_bytes),
              case when not s.active then 'info' end,
              case when s.wal_status = 'unreserved' then 'warning' when s.wal_status = 'lost' then 'critical' end)) desc,
            s.retained_bytes desc nulls last
   limit 1
),
longest as (
  select distinct on (q.check_name) q.*
    from monitoring.long_running_queries as q
   order by q.check_name, q.duration desc
),
locks as (
  select l.*, count(*) over () as blocked_sessions
    from monitoring.lock_waits as l
   order by l.wait_seconds desc nulls last
   limit 1
),
checks as (
  select 'caching' as category, 'cache_hit_ratio' as check_name, current_database()::text as object_name,
         monitoring.classify('cache_hit_ratio', r.ratio, db.blks_hit + db.blks_read) as severity,
         round(r.ratio, 4) as value,
         format('%s%% of %s block reads served from shared buffers since %s', round(100 * r.ratio, 2),
                db.blks_hit + db.blks_read, coalesce(db.stats_reset::text, 'the statistics were created')) as details,
         'Give the database more shared_buffers (and RAM), or find the statements reading the most blocks from disk (monitoring.slow_query_analysis).' as action
    from db cross join lateral (select db.blks_hit::numeric / nullif(db.blks_hit + db.blks_read, 0) as ratio) as r
  union all
  select 'queries', 'long_running_query', coalesce(q.object_name, current_database()),
         coalesce(q.severity, 'ok'), coalesce(q.value, 0),
         coalesce(q.details || ': ' || left(q.query, 200), 'no statement running'),
         coalesce(q.recommended_action, '')
    from (select 1) as one left join longest as q on q.check_name = 'long_running_query'
  union all
  select 'transactions', 'idle_in_transaction', coalesce(q.object_name, current_database()),
         coalesce(q.severity, 'ok'), coalesce(q.value, 0),
         coalesce(q.details || '; last statement: ' || left(q.query, 200), 'no session idle in a transaction'),
         coalesce(q.recommended_action, '')
    from (select 1) as one left join longest as q on q.check_name = 'idle_in_transaction'
  union all
  select 'transactions', 'oldest_transaction', case when x.pid is null then current_database() else format('pid %s', x.pid) end,
         monitoring.classify('oldest_transaction', extract(epoch from x.age)::numeric),
         round(coalesce(extract(epoch from x.age)::numeric, 0), 1),
         case when x.pid is null then 'no open transaction'
              else format('transaction of pid %s (%s, %s) open for %s', x.pid, x.usename, x.state, date_trunc('second', x.age)) end,
         format('See monitoring.long_running_queries for pid %s: commit or end it (select pg_terminate_backend(%s);).', x.pid, x.pid)
    from (select 1) as one left join xact as x on true
  union all
  select 'vacuum', 'xmin_horizon_age', coalesce(h.holder, current_database()),
         monitoring.classify('xmin_horizon_age', h.xid_age), coalesce(h.xid_age, 0),
         case when h.holder is null then 'no snapshot holds back VACUUM'
              else format('%s holds back VACUUM by %s transactions', h.holder, h.xid_age) end,
         coalesce('Dead rows cannot be removed while it lasts: ' || h.action, '')
    from (select 1) as one left join horizon as h on true
  union all
  select 'locking', 'lock_wait', coalesce(l.object_name, current_database()),
         coalesce(l.severity, 'ok'), coalesce(l.value, 0),
         case when l.blocked_pid is null then 'no session waits for a lock'
              else format('%s session(s) waiting for locks; longest: %s', l.blocked_sessions, l.details) end,
         coalesce(l.recommended_action || ' (details: monitoring.lock_waits)', '')
    from (select 1) as one left join locks as l on true
  union all
  select 'wraparound', 'xid_wraparound', current_database(),
         monitoring.classify('xid_wraparound', db.xid_age / 2147483648.0),
         round(db.xid_age / 2147483648.0, 4),
         format('age(datfrozenxid) = %s transactions (%s%% of the 2^31 limit)', db.xid_age, round(100 * db.xid_age / 2147483648.0, 1)),
         'Find the tables with the oldest relfrozenxid (monitoring.table_access_patterns, check table_xid_wraparound) and VACUUM (FREEZE) them; remove whatever holds the xmin horizon back.'
    from db
  union all
  select 'wraparound', 'multixact_wraparound', current_database(),
         monitoring.classify('multixact_wraparound', db.mxid_age / 2147483648.0),
         round(db.mxid_age / 2147483648.0, 4),
         format('mxid_age(datminmxid) = %s multixacts (%s%% of the 2^31 limit)', db.mxid_age, round(100 * db.mxid_age / 2147483648.0, 1)),
         'VACUUM (FREEZE) the tables with the oldest relminmxid; check for long transactions that share row locks (SELECT ... FOR SHARE, foreign keys).'
    from db
  union all
  select 'replication', 'replication_slot_retained_wal', coalesce(s.slot_name::text, current_database()),
         coalesce(s.severity, 'ok'), coalesce(s.retained_bytes, 0),
         case when s.slot_name is null then 'no replication slot'
              else format('%s slot %s (%s, wal_status %s) retains %s of WAL', s.slot_type, s.slot_name,
                          case when s.active then 'active' else 'inactive' end, s.wal_status,
                          pg_catalog.pg_size_pretty(s.retained_bytes)) end,
         format('Resume the consumer of slot %s, or drop it if it is abandoned: select pg_drop_replication_slot(%L);',
                s.slot_name, s.slot_name)
    from (select 1) as one left join worst_slot as s on true
  union all
  select 'transactions', 'prepared_transaction_age', case when p.gid is null then current_database() else format('prepared transaction %L', p.gid) end,
         monitoring.classify('prepared_transaction_age', extract(epoch from p.age)::numeric),
         round(coalesce(extract(epoch from p.age)::numeric, 0), 1),
         case when p.gid is null then 'no prepared transaction'
              else format('prepared transaction %L waiting for COMMIT PREPARED for %s', p.gid, date_trunc('second', p.age)) end,
         format('Ask its transaction manager to finish it, or: commit prepared %L; / rollback prepared %L;', p.gid, p.gid)
    from (select 1) as one left join prepared as p on true
  union all
  select 'locking', 'deadlocks', current_database(),
         monitoring.classify('deadlocks', db.deadlocks), db.deadlocks,
         format('%s deadlock(s) since %s', db.deadlocks, coalesce(db.stats_reset::text, 'the statistics were created')),
         'Read the server log around each "deadlock detected" and make the transactions lock rows in a consistent order.'
    from db
)
select c.category, c.check_name, c.object_name, c.severity, c.value, c.details,
       case when c.severity = 'ok' then 'No action needed.' else c.action end as recommended_action
  from checks as c;

create or replace view monitoring.table_access_patterns as
with t as (
  select s.relid, s.schemaname::text as schema_name, s.relname::text as table_name,
         format('%I.%I', s.schemaname, s.relname) as qualified_name,
         c.relkind, c.reloptions, c.relfrozenxid,
         -- Sizes from relpages (last VACUUM/ANALYZE): pg_table_size() would open and lock each table.
         (c.relpages + coalesce(toast.relpages, 0))::bigint * current_setting('block_size')::bigint as table_size_bytes,
         coalesce(ix.pages, 0)::bigint * current_setting('block_size')::bigint as indexes_size_bytes,
         s.seq_scan, s.seq_tup_read, coalesce(s.idx_scan, 0) as idx_scan,
         s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_tup_hot_upd,
         s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze,
         greatest(s.last_vacuum, s.last_autovacuum) as last_vacuum,
         greatest(s.last_analyze, s.last_autoanalyze) as last_analyze,
         s.vacuum_count + s.autovacuum_count as vacuum_count,
         s.analyze_count + s.autoanalyze_count as analyze_count,
         case when c.relkind = 'r' then pg_catalog.age(c.relfrozenxid) end as xid_age,
         s.seq_scan::numeric / nullif(s.seq_scan + coalesce(s.idx_scan, 0), 0) as seq_scan_ratio,
         s.n_dead_tup::numeric / nullif(s.n_live_tup + s.n_dead_tup, 0) as dead_tuple_ratio,
         s.n_tup_hot_upd::numeric / nullif(s.n_tup_upd, 0) as hot_update_ratio,
         s.n_mod_since_analyze::numeric / greatest(s.n_live_tup, 1) as modified_since_analyze_ratio,
         coalesce(c.reloptions && array['autovacuum_enabled=false', 'autovacuum_enabled=off',
                                        'autovacuum_enabled=0', 'autovacuum_enabled=no'], false) as autovacuum_disabled
    from pg_catalog.pg_stat_user_tables as s
    join pg_catalog.pg_class as c on c.oid = s.relid
    left join pg_catalog.pg_class as toast on toast.oid = c.reltoastrelid
    left join (select i.indrelid, sum(ic.relpages) as pages
                 from pg_catalog.pg_index as i join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                group by i.indrelid) as ix on ix.indrelid = s.relid
   where c.relkind in ('r', 'm')
),
-- Severities first (cheap); the texts only for the findings that are not ok.
judged as (
  select t.relid, x.check_name, x.category, x.severity, x.value
    from t
    left join monitoring.alert_thresholds as th_seq_scan_heavy on th_seq_scan_heavy.check_name = 'seq_scan_heavy'
    left join monitoring.alert_thresholds as th_dead_tuples on th_dead_tuples.check_name = 'dead_tuples'
    left join monitoring.alert_thresholds as th_hot_update_ratio on th_hot_update_ratio.check_name = 'hot_update_ratio'
    left join monitoring.alert_thresholds as th_analyze_stale on th_analyze_stale.check_name = 'analyze_stale'
    left join monitoring.alert_thresholds as th_never_analyzed on th_never_analyzed.check_name = 'never_analyzed'
    left join monitoring.alert_thresholds as th_autovacuum_disabled on th_autovacuum_disabled.check_name = 'autovacuum_disabled'
    left join monitoring.alert_thresholds as th_table_xid_wraparound on th_table_xid_wraparound.check_name = 'table_xid_wraparound'
    cross join lateral (values
      ('seq_scan_heavy', 'indexing',
       case when t.seq_scan >= 10 then monitoring.severity(th_seq_scan_heavy, t.seq_scan_ratio, t.n_live_tup) else 'ok' end,
       round(t.seq_scan_ratio, 4)),
      ('dead_tuples', 'vacuum',
       monitoring.severity(th_dead_tuples, t.dead_tuple_ratio, t.n_live_tup + t.n_dead_tup),
       round(t.dead_tuple_ratio, 4)),
      ('hot_update_ratio', 'vacuum',
       monitoring.severity(th_hot_update_ratio, t.hot_update_ratio, t.n_tup_upd),
       round(t.hot_update_ratio, 4)),
      ('analyze_stale', 'statistics',
       monitoring.severity(th_analyze_stale, t.modified_since_analyze_ratio, t.n_live_tup),
       round(t.modified_since_analyze_ratio, 4)),
      ('never_analyzed', 'statistics',
       case when t.last_analyze is null then monitoring.severity(th_never_analyzed, 1, t.n_live_tup) else 'ok' end,
       case when t.last_analyze is null then 1 else 0 end::numeric),
      ('autovacuum_disabled', 'vacuum',
       case when t.autovacuum_disabled then monitoring.severity(th_autovacuum_disabled, 1) else 'ok' end,
       case when t.autovacuum_disabled then 1 else 0 end::numeric),
      ('table_xid_wraparound', 'wraparound',
       monitoring.severity(th_table_xid_wraparound, t.xid_age / 2147483648.0),
       round(t.xid_age / 2147483648.0, 4))
    ) as x(check_name, category, severity, value)
   where x.severity <> 'ok'
),
f as (
  select j.relid, j.check_name, j.category, j.severity, j.value,
         case j.check_name
           when 'seq_scan_heavy' then
             format('%s sequential scans (%s%% of all scans) read %s rows of a %s-row table', t.seq_scan,
                    round(100 * t.seq_scan_ratio, 1), t.seq_tup_read, t.n_live_tup)
           when 'dead_tuples' then
             format('%s dead rows against %s live (%s%%); last vacuum %s', t.n_dead_tup, t.n_live_tup,
                    round(100 * t.dead_tuple_ratio, 1), coalesce(t.last_vacuum::text, 'never'))
           when 'hot_update_ratio' then
             format('%s%% of %s updates were HOT', round(100 * t.hot_update_ratio, 1), t.n_tup_upd)
           when 'analyze_stale' then
             format('%s rows modified since the last ANALYZE (%s) of a %s-row table', t.n_mod_since_analyze,
                    coalesce(t.last_analyze::text, 'never'), t.n_live_tup)
           when 'never_analyzed' then
             format('%s rows and no statistics: the planner guesses', t.n_live_tup)
           when 'autovacuum_disabled' then
             format('autovacuum is switched off for %s (%s)', t.qualified_name, array_to_string(t.reloptions, ', '))
           when 'table_xid_wraparound' then
             format('age(relfrozenxid) = %s transactions (%s%% of the 2^31 limit)', t.xid_age, round(100 * t.xid_age / 2147483648.0, 1))
         end as details,
         case j.check_name
           when 'seq_scan_heavy' then
             format('Find the statements that scan %s (monitoring.slow_query_analysis, EXPLAIN) and index the columns they filter on.',
                    t.qualified_name)
           when 'dead_tuples' then
             format('vacuum (analyze) %s; and if dead rows stay, find what holds the xmin horizon (monitoring.system_health) or tune autovacuum_vacuum_scale_factor for this table.',
                    t.qualified_name)
           when 'hot_update_ratio' then
             format('Leave room on each page (alter table %s set (fillfactor = 90);) and avoid indexing columns that change often.',
                    t.qualified_name)
           when 'analyze_stale' then
             format('analyze %s; and lower autovacuum_analyze_scale_factor for it if this recurs.', t.qualified_name)
           when 'never_analyzed' then format('analyze %s;', t.qualified_name)
           when 'autovacuum_disabled' then format('alter table %s reset (autovacuum_enabled);', t.qualified_name)
           when 'table_xid_wraparound' then format('vacuum (freeze, verbose) %s;', t.qualified_name)
         end as action
    from judged as j
    join t on t.relid = j.relid
),
agg as (
  select f.relid,
         jsonb_agg(jsonb_build_object('check_name', f.check_name, 'category', f.category, 'severity', f.severity,
                                      'value', f.value, 'details', f.details, 'recommended_action', f.action)
                   order by monitoring.severity_rank(f.severity) desc, f.check_name) as findings,
         (array_agg(f.check_name order by monitoring.severity_rank(f.severity) desc, f.check_name))[1] as worst_check,
         (array_agg(f.category order by monitoring.severity_rank(f.severity) desc, f.check_name))[1] as worst_category,
         (array_agg(f.value order by monitoring.severity_rank(f.severity) desc, f.check_name))[1] as worst_value,
         (array_agg(f.severity order by monitoring.severity_rank(f.severity) desc, f.check_name))[1] as worst_severity,
         string_agg(format('%s (%s): %s', f.check_name, f.severity, f.details), '; '
                    order by monitoring.severity_rank(f.severity) desc, f.check_name) as details,
         string_agg(f.action, ' ' order by monitoring.severity_rank(f.severity) desc, f.check_name) as actions
    from f
   group by f.relid
)
select coalesce(a.worst_category, 'tables') as category,
       coalesce(a.worst_check, 'table_access') as check_name,
       t.qualified_name as object_name,
       coalesce(a.worst_severity, 'ok') as severity,
       a.worst_value as value,
       coalesce(a.details, 'no finding') as details,
       coalesce(a.actions, 'No action needed.') as recommended_action,
       coalesce(a.findings, '[]'::jsonb) as findings,
       t.schema_name, t.table_name, t.table_size_bytes, t.indexes_size_bytes,
       t.seq_scan, t.seq_tup_read, t.idx_scan, round(t.seq_scan_ratio, 4) as seq_scan_ratio,
       t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_tup_hot_upd, round(t.hot_update_ratio, 4) as hot_update_ratio,
       t.n_live_tup, t.n_dead_tup, round(t.dead_tuple_ratio, 4) as dead_tuple_ratio,
       t.n_mod_since_analyze, t.last_vacuum, t.last_analyze, t.vacuum_count, t.analyze_count,
       t.xid_age, t.autovacuum_disabled
  from t
  left join agg as a on a.relid = t.relid;

commit;
