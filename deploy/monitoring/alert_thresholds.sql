-- Deploy platform:monitoring/alert_thresholds to pg
-- When does a measurement become a finding? The answer is data, not code: every check reads its
-- thresholds from monitoring.alert_thresholds through monitoring.classify(), so an operator tunes
-- a threshold (or silences a check) with one UPDATE, without a deploy.
--
-- Severities, in order: ok < info < warning < critical.
--   info      worth knowing, no action needed soon;
--   warning   act within days (a slow leak, a missing index, a failing job);
--   critical  act now (wraparound near, a session blocking others, rows landing in DEFAULT).

begin;

create table monitoring.alert_thresholds (
  check_name          text        not null,
  direction           text        not null default 'above',
  info_threshold      numeric,
  warning_threshold   numeric,
  critical_threshold  numeric,
  minimum_sample      numeric,
  unit                text        not null,
  description         text        not null,
  is_enabled          boolean     not null default true,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  constraint alert_thresholds_pkey primary key (check_name),
  constraint alert_thresholds_check_name_check check (check_name ~ '^[a-z][a-z0-9_]{1,62}$'),
  constraint alert_thresholds_direction_check check (direction in ('above', 'below')),
  constraint alert_thresholds_unit_check check (length(unit) between 1 and 40),
  constraint alert_thresholds_description_check check (length(description) between 1 and 2000),
  -- Levels must be ordered in the check's direction, or a value could be critical but not warning.
  constraint alert_thresholds_order_check check (
    case direction
      when 'above' then coalesce(info_threshold <= warning_threshold, true)
                    and coalesce(warning_threshold <= critical_threshold, true)
                    and coalesce(info_threshold <= critical_threshold, true)
      else coalesce(info_threshold >= warning_threshold, true)
       and coalesce(warning_threshold >= critical_threshold, true)
       and coalesce(info_threshold >= critical_threshold, true)
    end)
);

comment on table monitoring.alert_thresholds is
  'Thresholds of every monitoring check (data, not code). monitoring.classify(check_name, value, sample) turns a measurement into ok/info/warning/critical with them. Tune with UPDATE; disable a check with is_enabled = false.';
comment on column monitoring.alert_thresholds.check_name is 'The check, as named in the check_name column of the monitoring views.';
comment on column monitoring.alert_thresholds.direction is 'above: the value is bad when it reaches a threshold (>=); below: bad when it falls under it (<).';
comment on column monitoring.alert_thresholds.info_threshold is 'Level at which the finding is reported as info; NULL: no info level.';
comment on column monitoring.alert_thresholds.warning_threshold is 'Level at which the finding becomes a warning; NULL: never a warning.';
comment on column monitoring.alert_thresholds.critical_threshold is 'Level at which the finding becomes critical; NULL: never critical.';
comment on column monitoring.alert_thresholds.minimum_sample is 'The check is judged only when its sample (described per check: rows, calls, block reads...) reaches this; below it the result is ok. NULL: always judged.';
comment on column monitoring.alert_thresholds.unit is 'Unit of the value and thresholds: ratio (0..1), seconds, bytes, rows, xids, percent, count...';
comment on column monitoring.alert_thresholds.is_enabled is 'False silences the check: classify() then always answers ok.';

create trigger _100_set_updated_at
  before update on monitoring.alert_thresholds
  for each row execute function base.tg__set_updated_at();

alter table monitoring.alert_thresholds enable row level security;

create policy select_monitor on monitoring.alert_thresholds
  for select to platform_monitor using (true);
comment on policy select_monitor on monitoring.alert_thresholds is
  'The monitoring role reads every threshold (classify() runs with the caller''s rights).';

create policy all_service_role on monitoring.alert_thresholds
  for all to service_role using (true) with check (true);
comment on policy all_service_role on monitoring.alert_thresholds is
  'Operators (service_role) tune thresholds; the column grants limit what they may change.';

grant select on monitoring.alert_thresholds to platform_monitor, service_role;
grant update (info_threshold, warning_threshold, critical_threshold, minimum_sample, is_enabled)
  on monitoring.alert_thresholds to service_role;

-- The thresholds every generic check uses. Module checks add their own rows
-- (insert ... on conflict do nothing) in their own changes.
insert into monitoring.alert_thresholds
  (check_name, direction, info_threshold, warning_threshold, critical_threshold, minimum_sample, unit, description)
values
  -- server and sessions (monitoring.system_health)
  ('cache_hit_ratio',            'below', null, 0.95,  0.90,  10000, 'ratio',
   'Share of block reads of this database served from shared buffers. Sample: block reads + hits since the statistics reset.'),
  ('long_running_query',         'above', null, 60,    300,   null, 'seconds',
   'Age of the oldest statement still running (state active) in this database.'),
  ('idle_in_transaction',        'above', null, 60,    600,   null, 'seconds',
   'Longest time a session of this database has sat idle inside an open transaction (it holds its locks and the xmin horizon).'),
  ('oldest_transaction',         'above', null, 600,   3600,  null, 'seconds',
   'Age of the oldest open transaction of this database, whatever its state.'),
  ('xmin_horizon_age',           'above', null, 10000000, 100000000, null, 'xids',
   'Transactions since the oldest snapshot that still holds back VACUUM (sessions, prepared transactions, replication slots).'),
  ('lock_wait',                  'above', null, 5,     60,    null, 'seconds',
   'Longest current wait for a lock held by another session (pg_locks.waitstart, pg_blocking_pids).'),
  ('xid_wraparound',             'above', 0.10, 0.50,  0.75,  null, 'ratio',
   'age(datfrozenxid) of this database as a share of the 2^31 transaction ID space. 0.10 is roughly autovacuum_freeze_max_age.'),
  ('multixact_wraparound',       'above', 0.10, 0.50,  0.75,  null, 'ratio',
   'mxid_age(datminmxid) of this database as a share of the 2^31 multixact ID space.'),
  ('replication_slot_retained_wal', 'above', null, 1073741824, 10737418240, null, 'bytes',
   'WAL a replication slot keeps on disk (restart_lsn behind the current LSN). An inactive slot is at least a warning once it retains this much.'),
  ('deadlocks',                  'above', 1,    null,  null,  null, 'deadlocks',
   'Deadlocks detected in this database since the statistics reset (cumulative counter: info only).'),
  ('prepared_transaction_age',   'above', null, 300,   3600,  null, 'seconds',
   'Age of the oldest prepared (two-phase) transaction of this database; a forgotten one holds locks and xmin forever.'),
  -- capacity (monitoring.database_resource_utilization)
  ('connection_usage',           'above', 0.50, 0.75,  0.90,  null, 'ratio',
   'Client connections of the whole cluster against max_connections - superuser_reserved_connections.'),
  ('lock_table_usage',           'above', null, 0.50,  0.80,  null, 'ratio',
   'Entries in the shared lock table against max_locks_per_transaction * (max_connections + max_prepared_transactions).'),
  ('autovacuum_workers_busy',    'above', null, 1.00,  null,  null, 'ratio',
   'Running autovacuum workers against autovacuum_max_workers; all busy means tables wait for their vacuum.'),
  ('checkpoints_requested_ratio', 'above', null, 0.50, 0.90,  10,   'ratio',
   'Share of checkpoints forced by WAL volume rather than checkpoint_timeout (max_wal_size too small). Sample: checkpoints since the reset.'),
  ('temp_bytes',                 'above', 1,    null,  null,  null, 'bytes',
   'Bytes written to temporary files by queries of this database since the statistics reset (sorts and hashes larger than work_mem).'),
  ('wal_buffers_full',           'above', 1,    null,  null,  null, 'times',
   'Times WAL was written because wal_buffers was full, since the reset of pg_stat_wal.'),
  -- queries (monitoring.slow_query_analysis)
  ('slow_query',                 'above', 100,  500,   5000,  5,    'milliseconds',
   'Mean execution time of a statement in pg_stat_statements. Sample: calls.'),
  -- indexes (monitoring.index_usage_analysis)
  ('unused_index',               'above', 0,    10485760, null, null, 'bytes',
   'Size of a non-unique index never scanned since the statistics reset (info below the warning size).'),
  ('duplicate_index',            'above', null, 0,     null,  null, 'bytes',
   'Size of an index with exactly the same definition as another index of the table.'),
  ('redundant_index',            'above', 0,    null,  null,  null, 'bytes',
   'Size of a btree index whose columns are a leading prefix of another btree index of the table.'),
  ('invalid_index',              'above', null, 0,     null,  null, 'bytes',
   'Size of an index left INVALID (a failed CREATE INDEX CONCURRENTLY): written on every change, never used.'),
  ('write_heavy_index',          'above', 1000, null,  null,  10000, 'writes per scan',
   'Table writes per scan of a non-unique index. Sample: table writes (inserts + updates + deletes).'),
  ('fk_without_index',           'above', null, 0,     null,  null, 'rows',
   'Estimated rows of a referencing table whose foreign key has no index starting with its columns (each parent delete or key update scans it).'),
  -- tables (monitoring.table_access_patterns)
  ('seq_scan_heavy',             'above', null, 0.50,  null,  1000, 'ratio',
   'Share of sequential scans among all scans of a table with at least 10 sequential scans. Sample: live rows.'),
  ('dead_tuples',                'above', 0.10, 0.20,  0.50,  1000, 'ratio',
   'Dead rows against live + dead rows. Sample: live + dead rows.'),
  ('hot_update_ratio',           'below', 0.50, null,  null,  1000, 'ratio',
   'Share of updates that were HOT (no index change). Sample: updates.'),
  ('analyze_stale',              'above', 0.50, 1.00,  null,  1000, 'ratio',
   'Rows modified since the last ANALYZE against the table''s rows. Sample: live rows.'),
  ('autovacuum_disabled',        'above', null, 1,     null,  null, 'flag',
   'The table has autovacuum_enabled = false (1).'),
  ('table_xid_wraparound',       'above', null, 0.50,  0.75,  null, 'ratio',
   'age(relfrozenxid) of a table as a share of the 2^31 transaction ID space.'),
  ('table_bloat',                'above', 30,   50,    80,    10485760, 'percent',
   'Estimated bloat of a table (ioguix estimate from pg_stats). Sample: table size in bytes.'),
  ('index_bloat',                'above', 30,   50,    80,    10485760, 'percent',
   'Estimated bloat of a btree index (ioguix estimate from pg_stats). Sample: index size in bytes.'),
  ('sequence_exhaustion',        'above', 0.50, 0.75,  0.90,  null, 'ratio',
   'Values used of a sequence (or of the integer column it feeds, if smaller).'),
  -- data (monitoring.partition_health, monitoring.base_integrity_checks, monitoring.data_quality_metrics)
  ('default_partition_rows',     'above', null, 1,     10000, null, 'rows',
   'Rows sitting in the DEFAULT partition of a maintained table (counted up to 100000).'),
  ('future_partitions_ready',    'below', null, 1,     0.01,  null, 'ratio',
   'Consecutive future partitions that exist after the current one, against premake. 0 means the next period (or the current one) has no partition.'),
  ('partition_retention_overdue','above', null, 1,     null,  null, 'partitions',
   'Attached partitions wholly older than the table''s retention.'),
  ('partitioned_table_missing',  'above', null, 1,     null,  null, 'flag',
   'A table listed in base.partition_config that does not exist (partition maintenance skips it).'),
  ('unmaintained_partitioned_table', 'above', null, 1, null,  null, 'flag',
   'A range-partitioned table that base.partition_config does not maintain (no premake, no retention).'),
  ('organization_without_owner', 'above', null, 1,     null,  null, 'organizations',
   'Organizations with no member in the owner role (an invariant the constraints cannot express).'),
  ('rls_disabled',               'above', null, null,  1,     null, 'flag',
   'A package table with row-level security turned off: every tenant can read every row.'),
  ('disabled_trigger',           'above', null, 1,     null,  null, 'triggers',
   'User triggers disabled on a package table (audit, updated_at, state guards stop firing).'),
  ('unvalidated_constraint',     'above', null, 1,     null,  null, 'flag',
   'A NOT VALID check or foreign key: existing rows were never checked.'),
  ('table_without_primary_key',  'above', null, 1,     null,  null, 'flag',
   'A table with no primary key (duplicates possible; logical replication cannot apply its updates and deletes).'),
  ('never_analyzed',             'above', null, 1,     null,  1000, 'flag',
   'A table with rows that ANALYZE never ran on: the planner guesses. Sample: live rows.'),
  ('all_null_column',            'above', 1,    null,  null,  1000, 'flag',
   'A column NULL in every sampled row. Sample: table rows.'),
  ('constant_column',            'above', 1,    null,  null,  1000, 'flag',
   'A column with a single non-NULL value in every sampled row. Sample: table rows.'),
  ('wide_column',                'above', 1000, null,  null,  1000, 'bytes',
   'Average in-row width of a column (pg_stats.avg_width; a value moved to TOAST counts as its 18-byte pointer). Sample: table rows.'),
  -- maintenance (monitoring.maintenance_job_status)
  ('maintenance_job_failures',   'above', null, 1,     3,     null, 'runs',
   'Consecutive failed runs of a maintenance job.'),
  ('maintenance_job_stale',      'above', null, 3,     10,    null, 'intervals',
   'Time since the last successful run of an enabled job (or since it was registered), in run intervals.'),
  ('maintenance_job_missing_function', 'above', null, 1, null, null, 'flag',
   'An enabled job whose function does not exist (the runner skips it).');

-- Severity arithmetic shared by every view.
create function monitoring.severity_rank(p_severity text)
returns integer
language sql
immutable
parallel safe
as $$
  select case when (coalesce(length(p_severity), 0) <= 16 or base.refuse_oversized('p_severity', length(p_severity), 16)) then case p_severity when 'ok' then 0 when 'info' then 1 when 'warning' then 2 when 'critical' then 3 end end
$$;
comment on function monitoring.severity_rank(text) is
  'ok = 0, info = 1, warning = 2, critical = 3 (NULL for anything else): to sort and to export severities as numbers.';

create function monitoring.worst_severity(variadic p_severities text[])
returns text
language sql
immutable
parallel safe
as $$
  select coalesce((select s from unnest(p_severities) as s
                    where monitoring.severity_rank(s) is not null
                    order by monitoring.severity_rank(s) desc limit 1), 'ok')
$$;
comment on function monitoring.worst_severity(text[]) is
  'The most severe of its arguments (ok when none is a severity).';

-- The rule itself, on a thresholds row. Immutable and a single expression, so the planner
-- inlines it: views join the thresholds they need once and pay no function call per row.
create function monitoring.severity(p_threshold monitoring.alert_thresholds, p_value numeric, p_sample numeric default null)
returns text
language sql
immutable
parallel safe
as $$
  select case
           when p_value is null or (p_threshold).check_name is null or not (p_threshold).is_enabled then 'ok'
           when (p_threshold).minimum_sample is not null and coalesce(p_sample, 0) < (p_threshold).minimum_sample then 'ok'
           when (p_threshold).direction = 'above' then
             case when p_value >= (p_threshold).critical_threshold then 'critical'
                  when p_value >= (p_threshold).warning_threshold then 'warning'
                  when p_value >= (p_threshold).info_threshold then 'info'
                  else 'ok' end
           else
             case when p_value < (p_threshold).critical_threshold then 'critical'
                  when p_value < (p_threshold).warning_threshold then 'warning'
                  when p_value < (p_threshold).info_threshold then 'info'
                  else 'ok' end
         end
$$;
comment on function monitoring.severity(monitoring.alert_thresholds, numeric, numeric) is
  'Severity of p_value under one thresholds row: ok when the row is NULL (unknown check) or disabled, when p_value is NULL, or when p_sample is under minimum_sample; otherwise the highest level reached (above: >=, below: <). Views call it with a joined row: left join monitoring.alert_thresholds as th on th.check_name = ''...''.';

create function monitoring.classify(p_check_name text, p_value numeric, p_sample numeric default null)
returns text
language sql
stable
as $$
  select case when (coalesce(length(p_check_name), 0) <= 63 or base.refuse_oversized('p_check_name', length(p_check_name), 63)) then monitoring.severity((select t from monitoring.alert_thresholds as t where t.check_name = p_check_name),
                             p_value, p_sample) end
$$;
comment on function monitoring.classify(text, numeric, numeric) is
  'Severity of a measurement by the thresholds of monitoring.alert_thresholds: ok, info, warning or critical. ok when the value is NULL, the check is unknown or disabled, or p_sample is under the check''s minimum_sample. Convenient for a few rows; views over many rows join the thresholds and call monitoring.severity().';

revoke execute on function monitoring.severity_rank(text) from public;
revoke execute on function monitoring.worst_severity(text[]) from public;
revoke execute on function monitoring.severity(monitoring.alert_thresholds, numeric, numeric) from public;
revoke execute on function monitoring.classify(text, numeric, numeric) from public;
grant execute on function monitoring.severity_rank(text) to platform_monitor, service_role;
grant execute on function monitoring.worst_severity(text[]) to platform_monitor, service_role;
grant execute on function monitoring.severity(monitoring.alert_thresholds, numeric, numeric) to platform_monitor, service_role;
grant execute on function monitoring.classify(text, numeric, numeric) to platform_monitor, service_role;
-- classify and severity_rank refuse oversized arguments through base.refuse_oversized.
grant usage on schema base to platform_monitor;
grant execute on function base.refuse_oversized(text, bigint, bigint) to platform_monitor;

commit;
