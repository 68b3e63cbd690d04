-- Revert platform:monitoring/parameter_names from pg
-- Back to the statement with v1.0.0's parameter names.

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace view monitoring.partition_health as
select f.category, f.check_name, f.object_name, f.severity, f.value, f.details,
       case when f.severity = 'ok' then 'No action needed.' else f.recommended_action end as recommended_action
  from (
  with s as (
    select * from monitoring.partition_status()
  ),
  ready as (
    select s.*,
           case when not s.current_period_ready then 0
                else round(least(s.future_periods_ready, s.premake)::numeric / s.premake, 4) end as ready_ratio
      from s
     where s.is_registered and s.table_exists
  )
  select 'partitioning'::text as category, 'default_partition_rows'::text as check_name,
         r.parent_table as object_name,
         case when r.default_partition is null then 'warning'
              when r.default_rows is null then 'info'
              else monitoring.classify('default_partition_rows', r.default_rows) end as severity,
         r.default_rows::numeric as value,
         case when r.default_partition is null then format('%s has no DEFAULT partition: a row outside every partition is rejected', r.parent_table)
            when r.default_rows is null then format('%s could not be counted: it was locked for more than 2 seconds', r.default_partition)
              else format('%s holds %s%s row(s)', r.default_partition, r.default_rows,
                          case when r.default_rows >= 100000 then ' or more' else '' end) end as details,
         format('Move them into proper partitions now: select * from base.run_partition_maintenance(%L); then find why they arrived outside the premade range (clock skew, back-dated or far-future timestamps).',
                r.parent_table) as recommended_action
    from ready as r
  union all
  select 'partitioning', 'future_partitions_ready', r.parent_table,
         monitoring.classify('future_partitions_ready', r.ready_ratio),
         r.ready_ratio,
         case when not r.current_period_ready
              then format('%s has no partition for the current %s (from %s): new rows go to DEFAULT', r.parent_table,
                          r.granularity, r.current_period_start)
              else format('%s: %s of %s future %s partitions ready (covered until %s)', r.parent_table,
                          r.future_periods_ready, r.premake, r.granularity, r.ready_until) end,
         format('select * from base.run_partition_maintenance(%L); and make sure monitoring.run_maintenance() is scheduled (monitoring.maintenance_job_status).',
                r.parent_table)
    from ready as r
  union all
  select 'partitioning', 'partition_retention_overdue', r.parent_table,
         monitoring.classify('partition_retention_overdue', coalesce(r.overdue_partitions, 0)),
         coalesce(r.overdue_partitions, 0),
         case when r.retention is null then format('%s keeps its data forever (no retention)', r.parent_table)
              else format('%s partition(s) of %s are wholly older than its retention of %s (oldest: %s)',
                          coalesce(r.overdue_partitions, 0), r.parent_table, r.retention, r.oldest_partition) end,
         format('select * from base.run_partition_maintenance(%L); (detaches then drops them) and check that maintenance runs.',
                r.parent_table)
    from ready as r
  union all
  select 'partitioning', 'partitioned_table_missing', s.parent_table,
         monitoring.classify('partitioned_table_missing', 1), 1,
         format('%s is listed in base.partition_config but does not exist', s.parent_table),
         format('Remove the stale entry: delete from base.partition_config where parent_table = %L;', s.parent_table)
    from s
   where s.is_registered and not s.table_exists
  union all
  select 'partitioning', 'unmaintained_partitioned_table', s.parent_table,
         monitoring.classify('unmaintained_partitioned_table', 1), 1,
         format('%s is range-partitioned but base.partition_config does not maintain it: no premade partitions, no DEFAULT safety net, no retention',
                s.parent_table),
         format('select * from base.register_partitioned_table(%L, ''month'', p_premake => 3, p_retention => null);', s.parent_table)
    from s
   where not s.is_registered
  ) as f;

commit;
