-- Deploy platform:monitoring/settings_review to pg
-- Server settings that are dangerous when switched off, or costly when left at their
-- out-of-the-box defaults. Qualitative rules (fsync off is critical whatever the numbers), so
-- they live here rather than in alert_thresholds; each row says what the setting risks and
-- what to set instead. Settings the caller may not read (without pg_read_all_settings) are
-- simply absent.

begin;

create view monitoring.settings_review as
with s as (
  select p.name, p.setting, p.boot_val, p.source, current_setting(p.name) as shown,
         p.setting = p.boot_val as is_default
    from pg_catalog.pg_settings as p
   where p.name in ('fsync', 'full_page_writes', 'synchronous_commit', 'autovacuum', 'track_counts',
                    'shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size',
                    'random_page_cost', 'max_wal_size', 'idle_in_transaction_session_timeout',
                    'log_min_duration_statement', 'log_lock_waits', 'track_io_timing', 'data_checksums',
                    'archive_mode', 'max_connections', 'password_encryption')
),
rules as (
  select s.name, s.shown, s.source, s.is_default,
         case s.name
           when 'fsync' then 'durability' when 'full_page_writes' then 'durability'
           when 'synchronous_commit' then 'durability' when 'data_checksums' then 'durability'
           when 'archive_mode' then 'durability'
           when 'autovacuum' then 'vacuum' when 'track_counts' then 'vacuum'
           when 'idle_in_transaction_session_timeout' then 'transactions'
           when 'log_min_duration_statement' then 'observability' when 'log_lock_waits' then 'observability'
           when 'track_io_timing' then 'observability'
           when 'max_connections' then 'connections'
           when 'password_encryption' then 'security'
           else 'configuration'
         end as category,
         case
           when s.name = 'fsync' and s.setting = 'off' then 'critical'
           when s.name = 'full_page_writes' and s.setting = 'off' then 'critical'
           when s.name = 'autovacuum' and s.setting = 'off' then 'critical'
           when s.name = 'track_counts' and s.setting = 'off' then 'critical'
           when s.name = 'synchronous_commit' and s.setting = 'off' then 'warning'
           when s.name = 'shared_buffers' and s.is_default then 'warning'
           when s.name = 'max_connections' and s.setting::integer > 500 then 'warning'
           when s.name in ('work_mem', 'maintenance_work_mem', 'effective_cache_size', 'random_page_cost',
                           'max_wal_size', 'idle_in_transaction_session_timeout', 'log_min_duration_statement',
                           'log_lock_waits', 'track_io_timing') and s.is_default then 'info'
           when s.name = 'data_checksums' and s.setting = 'off' then 'info'
           when s.name = 'archive_mode' and s.setting = 'off' then 'info'
           when s.name = 'password_encryption' and s.setting = 'md5' then 'info'
           else 'ok'
         end as severity,
         case s.name
           when 'fsync' then 'with fsync off a power loss or OS crash can corrupt the whole cluster'
           when 'full_page_writes' then 'with full_page_writes off a crash during a page write can leave torn pages WAL replay cannot repair'
           when 'synchronous_commit' then 'with synchronous_commit off a crash loses the last commits the clients were told succeeded'
           when 'autovacuum' then 'without autovacuum dead rows pile up and transaction ID wraparound eventually stops the database'
           when 'track_counts' then 'without track_counts autovacuum cannot tell which tables need it, and these views go blind'
           when 'shared_buffers' then 'the 128MB default leaves most of the RAM unused for caching'
           when 'work_mem' then 'the 4MB default makes larger sorts and hashes spill to temporary files'
           when 'maintenance_work_mem' then 'the 64MB default slows VACUUM, CREATE INDEX and foreign key validation'
           when 'effective_cache_size' then 'the 4GB default may not match the RAM the planner can count on'
           when 'random_page_cost' then 'the default 4 assumes spinning disks and under-uses indexes on SSD storage'
           when 'max_wal_size' then 'the 1GB default forces frequent checkpoints under write load'
           when 'idle_in_transaction_session_timeout' then 'with no timeout, a client that forgets an open transaction holds its locks and the xmin horizon forever'
           when 'log_min_duration_statement' then 'slow statements are not logged'
           when 'log_lock_waits' then 'lock waits longer than deadlock_timeout are not logged'
           when 'track_io_timing' then 'I/O time is not measured (pg_stat_statements and EXPLAIN cannot show it)'
           when 'data_checksums' then 'without data checksums silent storage corruption goes unnoticed'
           when 'archive_mode' then 'without WAL archiving there is no point-in-time recovery from this server (ignore on managed services that archive for you)'
           when 'max_connections' then 'every connection reserves memory and adds contention'
           when 'password_encryption' then 'md5 password hashes are weak; scram-sha-256 is the standard'
         end as risk,
         case s.name
           when 'fsync' then 'alter system set fsync = on; select pg_reload_conf();'
           when 'full_page_writes' then 'alter system set full_page_writes = on; select pg_reload_conf();'
           when 'synchronous_commit' then 'Set synchronous_commit = on, or off only for the transactions that may lose their commit (set local).'
           when 'autovacuum' then 'alter system set autovacuum = on; select pg_reload_conf();'
           when 'track_counts' then 'alter system set track_counts = on; select pg_reload_conf();'
           when 'shared_buffers' then 'Set shared_buffers to about 25% of RAM (restart).'
           when 'work_mem' then 'Raise work_mem (per role or per query for reports), watching connections x work_mem against RAM.'
           when 'maintenance_work_mem' then 'Raise maintenance_work_mem to 256MB-1GB depending on RAM.'
           when 'effective_cache_size' then 'Set effective_cache_size to about 50-75% of RAM.'
           when 'random_page_cost' then 'On SSD storage set random_page_cost = 1.1.'
           when 'max_wal_size' then 'Raise max_wal_size (4-16GB) so checkpoints follow checkpoint_timeout.'
           when 'idle_in_transaction_session_timeout' then 'Set idle_in_transaction_session_timeout (e.g. 5min) for application roles: alter role ... set idle_in_transaction_session_timeout = ''5min'';'
           when 'log_min_duration_statement' then 'Set log_min_duration_statement (e.g. 1s).'
           when 'log_lock_waits' then 'alter system set log_lock_waits = on; select pg_reload_conf();'
           when 'track_io_timing' then 'alter system set track_io_timing = on; select pg_reload_conf();'
           when 'data_checksums' then 'Enable checksums with pg_checksums --enable (cluster stopped) or on the next initdb/upgrade.'
           when 'archive_mode' then 'Set up WAL archiving (pgBackRest, WAL-G) or rely on the platform''s backups.'
           when 'max_connections' then 'Lower max_connections and put a transaction-mode pooler in front.'
           when 'password_encryption' then 'Set password_encryption = scram-sha-256 and reset the passwords.'
         end as action
    from s
)
select r.category,
       'risky_setting'::text as check_name,
       r.name::text as object_name,
       r.severity,
       null::numeric as value,
       format('%s = %s (%s)%s', r.name, r.shown, r.source,
              case when r.severity <> 'ok' then ': ' || r.risk else '' end) as details,
       case when r.severity = 'ok' then 'No action needed.' else r.action end as recommended_action,
       r.shown as current_value,
       r.source,
       r.is_default
  from rules as r
union all
select 'observability', 'risky_setting', 'pg_stat_statements',
       case when e.extname is null then 'info' else 'ok' end,
       null,
       case when e.extname is null then 'pg_stat_statements is not installed in this database: no per-statement statistics (monitoring.slow_query_analysis is unavailable)'
            else format('pg_stat_statements %s is installed in schema %s', e.extversion, e.extnamespace::regnamespace) end,
       case when e.extname is null
            then 'Add pg_stat_statements to shared_preload_libraries (restart), then: create extension pg_stat_statements;'
            else 'No action needed.' end,
       e.extversion, null, null
  from (select 1) as one
  left join pg_catalog.pg_extension as e on e.extname = 'pg_stat_statements'
union all
-- Database-level grants PostgreSQL gives every role by default, which the package does not need
-- (hardening issue, item 1). TEMPORARY lets any role plant objects that shadow names in code
-- without a pinned search_path (the package's functions pin pg_catalog, pg_temp; extensions and
-- hand-written functions may not); large objects live outside RLS and any role may create them.
select 'security', 'risky_grant', g.object_name,
       case when g.granted then g.severity else 'ok' end,
       null,
       case when g.granted then g.granted_text || ': ' || g.risk else g.ok_text end,
       case when g.granted then g.action else 'No action needed.' end,
       case when g.granted then 'granted' else 'revoked' end, 'database grants', null
  from (
    select 'TEMPORARY on database ' || quote_ident(d.datname) as object_name,
           exists (select from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) as a
                    where a.grantee = 0 and a.privilege_type = 'TEMPORARY') as granted,
           'warning' as severity,
           'PUBLIC may create temporary tables, types and functions in ' || quote_ident(d.datname) as granted_text,
           'a temporary object shadows same-named tables and types for any function whose search_path does not name pg_temp last, and temp tables use disk outside any quota' as risk,
           format('revoke temporary on database %I from public; then grant temporary on database %I to the roles that need it (e.g. the owner and service_role).',
                  d.datname, d.datname) as action,
           'PUBLIC may not create temporary objects in ' || quote_ident(d.datname) as ok_text
      from pg_catalog.pg_database as d
     where d.datname = current_database()
    union all
    select 'large object creation',
           exists (select from pg_catalog.pg_proc as p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
                    where p.oid in ('pg_catalog.lo_creat(integer)'::regprocedure, 'pg_catalog.lo_create(oid)'::regprocedure,
                                    'pg_catalog.lo_from_bytea(oid, bytea)'::regprocedure)
                      and a.grantee = 0 and a.privilege_type = 'EXECUTE'),
           'info',
           'PUBLIC may create large objects (lo_creat, lo_create, lo_from_bytea)',
           'large objects are outside row-level security and any role can fill storage with them',
           'As a superuser: revoke execute on function pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea) from public; (the package uses no large objects). Keep lo_compat_privileges off.',
           'PUBLIC may not create large objects'
    union all
    select 'lo_compat_privileges',
           current_setting('lo_compat_privileges') = 'on',
           'warning',
           'lo_compat_privileges = on',
           'every role may read and write every large object, whoever owns it',
           'alter system set lo_compat_privileges = off; select pg_reload_conf();',
           'lo_compat_privileges = off: large objects are checked against their owner''s grants'
  ) as g;

comment on view monitoring.settings_review is
  'Settings that are unsafe when off (fsync, full_page_writes, autovacuum, track_counts: critical), risky (synchronous_commit off, shared_buffers at its default, max_connections > 500: warning) or left at a costly default (info), plus whether pg_stat_statements is installed, plus the database-level grants PostgreSQL gives PUBLIC that the package does not need (TEMPORARY on this database: warning; large object creation: info; lo_compat_privileges on: warning), each with the statement to run. One row per setting or grant, ok rows included.';

grant select on monitoring.settings_review to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.settings_review', 'health', 'Settings unsafe when off or costly at their defaults.');

commit;
