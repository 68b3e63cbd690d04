-- Deploy platform:monitoring/sessions to pg
-- Drill-down views on the live sessions of this database: what runs long, what sits idle in a
-- transaction, who blocks whom. monitoring.system_health summarises them into one row per check
-- (and critical_alerts picks that row up); these views name every session and the exact
-- statement to end it.
--
-- Without pg_monitor (or pg_read_all_stats) PostgreSQL hides the state and query of other
-- roles' sessions, so read these as platform_monitor.

begin;

create view monitoring.long_running_queries as
with s as (
  select a.pid, a.usename::text as usename, a.application_name, a.client_addr, a.state,
         a.wait_event_type, a.wait_event, a.backend_xmin,
         a.xact_start, a.query_start, a.state_change,
         case when a.state = 'active' then now() - a.query_start else now() - a.state_change end as duration,
         now() - a.xact_start as transaction_age,
         left(a.query, 1000) as query
    from pg_catalog.pg_stat_activity as a
   where a.datname = current_database()
     and a.backend_type = 'client backend'
     and a.pid <> pg_catalog.pg_backend_pid()
     and a.state in ('active', 'idle in transaction', 'idle in transaction (aborted)', 'fastpath function call')
)
select s.pid, s.usename, s.application_name, s.client_addr, s.state, s.wait_event_type, s.wait_event,
       s.xact_start, s.query_start, s.state_change,
       s.duration,
       round(extract(epoch from s.duration)::numeric, 1) as duration_seconds,
       s.transaction_age,
       pg_catalog.age(s.backend_xmin) as xmin_age,
       s.query,
       case when s.state = 'active' then 'queries' else 'transactions' end as category,
       case when s.state = 'active' then 'long_running_query' else 'idle_in_transaction' end as check_name,
       format('pid %s', s.pid) as object_name,
       monitoring.classify(case when s.state = 'active' then 'long_running_query' else 'idle_in_transaction' end,
                           extract(epoch from s.duration)::numeric) as severity,
       round(extract(epoch from s.duration)::numeric, 1) as value,
       format('%s (%s) %s for %s%s', s.usename, coalesce(nullif(s.application_name, ''), 'no application_name'),
              s.state, date_trunc('second', s.duration),
              case when s.wait_event_type is not null then format(', waiting on %s:%s', s.wait_event_type, s.wait_event) else '' end) as details,
       case when s.state = 'active'
            then format('Find out why it runs long (EXPLAIN, slow_query_analysis); to stop it: select pg_cancel_backend(%s);', s.pid)
            else format('Fix the client that leaves transactions open (set idle_in_transaction_session_timeout); to end it now: select pg_terminate_backend(%s);', s.pid)
       end as recommended_action
  from s;

comment on view monitoring.long_running_queries is
  'Non-idle client sessions of this database (running statements and open idle transactions), longest first is up to the caller; severity from the long_running_query / idle_in_transaction thresholds, with the statement that ends each one.';

create view monitoring.lock_waits as
with recursive waiting as (
  select a.pid, a.usename::text as usename, a.application_name, a.state, left(a.query, 1000) as query,
         pg_catalog.pg_blocking_pids(a.pid) as blocking_pids
    from pg_catalog.pg_stat_activity as a
   where a.datname = current_database()
     and a.wait_event_type = 'Lock'
     and a.pid <> pg_catalog.pg_backend_pid()
),
-- Walk each chain up to the session that is not itself waiting: the root blocker.
chain (blocked_pid, pid, depth, path) as (
  select w.pid, b.pid, 1, array[w.pid, b.pid]
    from waiting as w cross join lateral unnest(w.blocking_pids) as b(pid)
  union all
  select c.blocked_pid, b.pid, c.depth + 1, c.path || b.pid
    from chain as c
    join waiting as w on w.pid = c.pid
    cross join lateral unnest(w.blocking_pids) as b(pid)
   where b.pid <> all (c.path) and c.depth < 20
),
roots as (
  select distinct on (c.blocked_pid) c.blocked_pid, c.pid as root_pid, c.depth
    from chain as c
   where not exists (select from waiting as w where w.pid = c.pid)
   order by c.blocked_pid, c.depth desc, c.pid
),
lock_wait as (
  select distinct on (l.pid) l.pid, l.locktype, l.mode, l.relation, l.waitstart
    from pg_catalog.pg_locks as l
   where not l.granted
   order by l.pid, l.waitstart
)
select w.pid as blocked_pid,
       w.usename as blocked_user,
       w.query as blocked_query,
       lw.locktype,
       lw.mode as lock_mode,
       case when lw.relation is not null then lw.relation::regclass::text end as relation,
       lw.waitstart,
       round(extract(epoch from now() - lw.waitstart)::numeric, 1) as wait_seconds,
       w.blocking_pids,
       r.root_pid as root_blocker_pid,
       ra.usename::text as root_blocker_user,
       ra.state as root_blocker_state,
       now() - ra.xact_start as root_blocker_transaction_age,
       left(ra.query, 1000) as root_blocker_query,
       'locking'::text as category,
       'lock_wait'::text as check_name,
       format('pid %s', w.pid) as object_name,
       monitoring.classify('lock_wait', extract(epoch from now() - lw.waitstart)::numeric) as severity,
       round(extract(epoch from now() - lw.waitstart)::numeric, 1) as value,
       format('pid %s waits %s for %s on %s, blocked by %s (root pid %s, %s)', w.pid,
              date_trunc('second', now() - lw.waitstart), lw.mode,
              coalesce(lw.relation::regclass::text, lw.locktype), w.blocking_pids, r.root_pid,
              coalesce(ra.state, case when r.root_pid = 0 then 'a prepared transaction' else 'state hidden' end)) as details,
       case when ra.state like 'idle in transaction%'
            then format('The root blocker is idle in a transaction: select pg_terminate_backend(%s);', r.root_pid)
            else format('Wait or stop the root blocker (select pg_cancel_backend(%s);), then find why it holds %s locks so long.',
                        r.root_pid, coalesce(lw.relation::regclass::text, lw.locktype))
       end as recommended_action
  from waiting as w
  left join lock_wait as lw on lw.pid = w.pid
  left join roots as r on r.blocked_pid = w.pid
  left join pg_catalog.pg_stat_activity as ra on ra.pid = r.root_pid
 where cardinality(w.blocking_pids) > 0;

comment on view monitoring.lock_waits is
  'Sessions of this database waiting for a lock, with the sessions that block them (pg_blocking_pids), the root of each blocking chain, how long they have waited (pg_locks.waitstart) and what to do about it.';

grant select on monitoring.long_running_queries, monitoring.lock_waits to platform_monitor, service_role;

commit;
