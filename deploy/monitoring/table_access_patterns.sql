-- Deploy platform:monitoring/table_access_patterns to pg
-- How each table is read and written, and what that calls for. From pg_stat_user_tables and the
-- catalog only (cheap, and no table is opened or locked), one row per table (partitions included: each has its own statistics):
--   seq_scan_heavy        mostly sequential scans on a table big enough to want an index
--   dead_tuples           dead rows piling up (VACUUM late, or held back by the xmin horizon)
--   hot_update_ratio      few HOT updates (fillfactor 100, or updated columns indexed)
--   analyze_stale         many rows changed since the last ANALYZE
--   never_analyzed        rows but no statistics at all
--   autovacuum_disabled   autovacuum_enabled = false on the table
--   table_xid_wraparound  relfrozenxid old enough to threaten wraparound
-- table_access_patterns keeps every table with its findings folded into one row (severity is
-- the worst); monitoring.table_findings unfolds them, one row per finding, for critical_alerts
-- and the recommendation views.

begin;

create view monitoring.table_access_patterns as
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

comment on view monitoring.table_access_patterns is
  'One row per table (partitions included): scans, writes, HOT ratio, live and dead rows, last vacuum and analyze, xid age, and its findings (seq_scan_heavy, dead_tuples, hot_update_ratio, analyze_stale, never_analyzed, autovacuum_disabled, table_xid_wraparound) folded into a findings JSON array; severity is the worst finding.';

create view monitoring.table_findings as
select e.value ->> 'category' as category,
       e.value ->> 'check_name' as check_name,
       p.object_name,
       e.value ->> 'severity' as severity,
       (e.value ->> 'value')::numeric as value,
       e.value ->> 'details' as details,
       e.value ->> 'recommended_action' as recommended_action,
       p.schema_name, p.table_name
  from monitoring.table_access_patterns as p
  cross join lateral jsonb_array_elements(p.findings) as e;

comment on view monitoring.table_findings is
  'The findings of monitoring.table_access_patterns, one row per table and check (only checks that are not ok).';

grant select on monitoring.table_access_patterns, monitoring.table_findings to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.table_findings', 'performance', 'Per-table findings: sequential scans, dead rows, HOT updates, statistics, autovacuum, xid age.');

commit;
