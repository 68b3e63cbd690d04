-- Deploy platform:monitoring/system_health to pg
-- The server's vital signs, as findings: one row per check, every check always present (ok
-- included), so a dashboard can graph each one and an alert can clear.
--   monitoring.system_health                  sessions, locks, transactions, wraparound, caching,
--                                             replication slots, prepared transactions, deadlocks
--   monitoring.database_resource_utilization  connections, lock table, autovacuum workers,
--                                             checkpoints, temporary files, WAL, sizes
-- Everything comes from the statistics views and catalogs: no table is scanned.
-- Sessions are those of this database; connections and the lock table are cluster-wide.
-- Checkpoint counts moved from pg_stat_bgwriter to pg_stat_checkpointer in PostgreSQL 17: a view
-- cannot name a column the server lacks, so monitoring.checkpoint_counts() reads whichever exists
-- when it runs (which also survives a pg_upgrade of the deployed database).

begin;

create function monitoring.checkpoint_counts()
returns table (checkpoints_timed bigint, checkpoints_requested bigint, stats_reset timestamptz, source_view text)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if pg_catalog.to_regclass('pg_catalog.pg_stat_checkpointer') is not null then
    -- PostgreSQL 17+
    return query execute
      'select c.num_timed, c.num_requested, c.stats_reset, ''pg_stat_checkpointer''::text
         from pg_catalog.pg_stat_checkpointer as c';
  else
    -- PostgreSQL 15 and 16
    return query execute
      'select b.checkpoints_timed, b.checkpoints_req, b.stats_reset, ''pg_stat_bgwriter''::text
         from pg_catalog.pg_stat_bgwriter as b';
  end if;
end
$$;
comment on function monitoring.checkpoint_counts() is
  'Checkpoints started by checkpoint_timeout and checkpoints requested (by WAL volume or a CHECKPOINT) since the statistics reset, read from pg_stat_checkpointer on PostgreSQL 17+ and pg_stat_bgwriter before; source_view says which. One row.';
revoke execute on function monitoring.checkpoint_counts() from public;
grant execute on function monitoring.checkpoint_counts() to platform_monitor, service_role;

create view monitoring.system_health as
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

comment on view monitoring.system_health is
  'One row per live health check of this database (ok rows included): cache hit ratio, long statements, idle transactions, oldest transaction, xmin horizon, lock waits, xid and multixact wraparound, replication slot WAL, prepared transactions, deadlocks. Thresholds: monitoring.alert_thresholds.';

create view monitoring.database_resource_utilization as
with settings as (
  select current_setting('max_connections')::numeric as max_connections,
         current_setting('superuser_reserved_connections')::numeric
           + coalesce(nullif(current_setting('reserved_connections', true), '')::numeric, 0) as reserved,
         current_setting('max_locks_per_transaction')::numeric as max_locks,
         current_setting('max_prepared_transactions')::numeric as max_prepared,
         current_setting('autovacuum_max_workers')::numeric as autovacuum_workers
),
backends as (
  select count(*) filter (where a.backend_type = 'client backend') as clients,
         count(*) filter (where a.backend_type = 'autovacuum worker') as autovacuum
    from pg_catalog.pg_stat_activity as a
),
by_state as (
  select coalesce(a.state, 'unknown') as state, count(*) as sessions
    from pg_catalog.pg_stat_activity as a
   where a.backend_type = 'client backend' and a.datname = current_database()
   group by 1
),
locks as (
  select count(*) as entries from pg_catalog.pg_locks
),
db as (
  select d.temp_files, d.temp_bytes, d.stats_reset, pg_catalog.pg_database_size(d.datid) as size
    from pg_catalog.pg_stat_database as d
   where d.datname = current_database()
),
bg as (
  select c.checkpoints_timed, c.checkpoints_requested as checkpoints_req, c.stats_reset
    from monitoring.checkpoint_counts() as c
),
wal as (
  select w.wal_bytes, w.wal_buffers_full, w.stats_reset from pg_catalog.pg_stat_wal as w
),
-- Sizes from relpages (heap + TOAST + indexes, as of the last VACUUM/ANALYZE), so that no
-- relation is opened or locked.
largest as (
  select c.oid::regclass::text as name,
         (c.relpages + coalesce(toast.relpages, 0) + coalesce(ix.pages, 0))::numeric
           * current_setting('block_size')::numeric as bytes
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    left join pg_catalog.pg_class as toast on toast.oid = c.reltoastrelid
    left join (select i.indrelid, sum(ic.relpages) as pages
                 from pg_catalog.pg_index as i join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                group by i.indrelid) as ix on ix.indrelid = c.oid
   where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
     and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
   order by 2 desc
   limit 5
),
measured as (
  select 'connections' as category, 'connection_usage' as check_name, 'cluster' as object_name,
         b.clients::numeric as used, s.max_connections - s.reserved as capacity, 'connections' as unit,
         monitoring.classify('connection_usage', b.clients / nullif(s.max_connections - s.reserved, 0)) as severity,
         round(b.clients / nullif(s.max_connections - s.reserved, 0), 4) as value,
         format('%s client connections of %s available (max_connections %s, %s reserved)', b.clients,
                s.max_connections - s.reserved, s.max_connections, s.reserved) as details,
         'Put a transaction-mode pooler (pgbouncer, Supavisor) in front of the clients, and find idle connections that are never reused.' as action
    from backends as b cross join settings as s
  union all
  select 'connections', 'sessions_by_state', current_database() || ': ' || st.state,
         st.sessions, null, 'sessions', 'ok', st.sessions,
         format('%s session(s) of this database are %s', st.sessions, st.state), ''
    from by_state as st
  union all
  select 'locking', 'lock_table_usage', 'cluster',
         l.entries, s.max_locks * (s.max_connections + s.max_prepared), 'locks',
         monitoring.classify('lock_table_usage', l.entries / nullif(s.max_locks * (s.max_connections + s.max_prepared), 0)),
         round(l.entries / nullif(s.max_locks * (s.max_connections + s.max_prepared), 0), 4),
         format('%s lock entries of roughly %s the shared lock table holds', l.entries,
                s.max_locks * (s.max_connections + s.max_prepared)),
         'Find the transactions touching many partitions or tables at once; raise max_locks_per_transaction (restart) if that is by design.'
    from locks as l cross join settings as s
  union all
  select 'vacuum', 'autovacuum_workers_busy', 'cluster',
         b.autovacuum, s.autovacuum_workers, 'workers',
         monitoring.classify('autovacuum_workers_busy', b.autovacuum / nullif(s.autovacuum_workers, 0)),
         round(b.autovacuum / nullif(s.autovacuum_workers, 0), 4),
         format('%s of %s autovacuum workers running', b.autovacuum, s.autovacuum_workers),
         'Tables are queuing for autovacuum: raise autovacuum_max_workers or autovacuum_vacuum_cost_limit, and look at monitoring.table_access_patterns for the tables with the most dead rows.'
    from backends as b cross join settings as s
  union all
  select 'configuration', 'checkpoints_requested_ratio', 'cluster',
         bg.checkpoints_req, bg.checkpoints_req + bg.checkpoints_timed, 'checkpoints',
         monitoring.classify('checkpoints_requested_ratio',
                             bg.checkpoints_req::numeric / nullif(bg.checkpoints_req + bg.checkpoints_timed, 0),
                             bg.checkpoints_req + bg.checkpoints_timed),
         round(bg.checkpoints_req::numeric / nullif(bg.checkpoints_req + bg.checkpoints_timed, 0), 4),
         format('%s of %s checkpoints were forced by WAL volume since %s', bg.checkpoints_req,
                bg.checkpoints_req + bg.checkpoints_timed, coalesce(bg.stats_reset::text, 'the statistics were created')),
         'Raise max_wal_size so that checkpoints happen on checkpoint_timeout rather than on WAL volume.'
    from bg
  union all
  select 'queries', 'temp_bytes', current_database(),
         db.temp_bytes, null, 'bytes',
         monitoring.classify('temp_bytes', db.temp_bytes), db.temp_bytes,
         format('%s temporary file(s), %s written since %s', db.temp_files, pg_catalog.pg_size_pretty(db.temp_bytes),
                coalesce(db.stats_reset::text, 'the statistics were created')),
         'Sorts and hashes spill to disk: find them with monitoring.slow_query_analysis (temp_blks_written) and raise work_mem for them (per role or per query).'
    from db
  union all
  select 'configuration', 'wal_buffers_full', 'cluster',
         w.wal_buffers_full, null, 'times',
         monitoring.classify('wal_buffers_full', w.wal_buffers_full), w.wal_buffers_full,
         format('WAL buffers were full %s time(s); %s of WAL generated since %s', w.wal_buffers_full,
                pg_catalog.pg_size_pretty(w.wal_bytes), coalesce(w.stats_reset::text, 'the statistics were created')),
         'Raise wal_buffers (restart) if this grows quickly under write load.'
    from wal as w
  union all
  select 'capacity', 'database_size', current_database(),
         db.size, null, 'bytes', 'ok', db.size,
         format('database %s uses %s', current_database(), pg_catalog.pg_size_pretty(db.size)), ''
    from db
  union all
  select 'capacity', 'largest_relation', lg.name,
         lg.bytes, null, 'bytes', 'ok', lg.bytes,
         format('%s uses about %s with its indexes and TOAST', lg.name, pg_catalog.pg_size_pretty(lg.bytes)), ''
    from largest as lg
)
select r.category, r.check_name, r.object_name, r.severity, r.value, r.used, r.capacity, r.unit, r.details,
       case when r.severity = 'ok' then 'No action needed.' else r.action end as recommended_action
  from measured as r;

comment on view monitoring.database_resource_utilization is
  'Capacity in use: connections against max_connections, sessions by state, the shared lock table, autovacuum workers, forced checkpoints, temporary files, WAL buffer pressure, database and largest relation sizes. One row per measurement, with severity and action.';

grant select on monitoring.system_health, monitoring.database_resource_utilization to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.system_health', 'health', 'Live server checks: sessions, locks, transactions, wraparound, caching, replication slots.'),
  ('monitoring.database_resource_utilization', 'health', 'Capacity: connections, lock table, autovacuum workers, checkpoints, temporary files, WAL.');

commit;
