-- Deploy platform:monitoring/partition_health to pg
-- Is every time-partitioned table of the package ready for the rows to come? For each table in
-- base.partition_config (base.partitions gives the ranges):
--   default_partition_rows       rows that landed in the DEFAULT partition: no proper partition
--                                covered their timestamp (the next maintenance run moves them)
--   future_partitions_ready      consecutive future periods ready after the current one, against
--                                premake; 0 means the current or next period has no partition
--   partition_retention_overdue  partitions past retention still attached (maintenance not running)
--   partitioned_table_missing    configured but absent
-- and, for range-partitioned tables nobody registered, unmaintained_partitioned_table.
-- Counting the DEFAULT partition's rows needs dynamic SQL on tables the caller may not read, so
-- it runs as the deployer (SECURITY DEFINER) and stops counting at 100000.

begin;

create function monitoring.partition_status()
returns table (parent_table text, is_registered boolean, table_exists boolean, granularity text, premake integer,
               retention interval, partitions integer, default_partition text, default_rows bigint,
               current_period_start timestamptz, current_period_ready boolean, future_periods_ready integer,
               ready_until timestamptz, overdue_partitions integer, oldest_partition text)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '2s'
as $$
declare
  v_cfg     base.partition_config;
  v_ranges  tstzrange[];
  v_start   timestamptz;
  v_end     timestamptz;
  v_step    integer;
begin
  for v_cfg in select * from base.partition_config as pc order by pc.parent_table loop
    parent_table := v_cfg.parent_table;
    is_registered := true;
    granularity := v_cfg.granularity;
    premake := v_cfg.premake;
    retention := v_cfg.retention;
    table_exists := to_regclass(v_cfg.parent_table) is not null;
    partitions := null; default_partition := null; default_rows := null; current_period_start := null;
    current_period_ready := null; future_periods_ready := null; ready_until := null;
    overdue_partitions := null; oldest_partition := null;

    if table_exists then
      -- One pass over the table's partitions; the rest is arithmetic on their ranges.
      select count(*) filter (where not p.is_default),
             max(p.partition_name) filter (where p.is_default),
             coalesce(array_agg(tstzrange(p.lower_bound, p.upper_bound)) filter (where not p.is_default), '{}'),
             (array_agg(p.partition_name order by p.lower_bound) filter (where not p.is_default))[1]
        into partitions, default_partition, v_ranges, oldest_partition
        from base.partitions as p
       where p.parent_table = v_cfg.parent_table;

      if default_partition is not null then
        begin
          execute format('select count(*) from (select from %s limit 100000) as d', default_partition)
             into default_rows;
        exception when lock_not_available then
          default_rows := null;  -- reported as "could not be counted", never a hang
        end;
      end if;

      -- The current period, then each following one while a partition covers it.
      current_period_start := base.partition_period_start(v_cfg.granularity, now());
      v_start := current_period_start;
      v_step := 0;
      loop
        v_end := base.partition_period_end(v_cfg.granularity, v_start);
        exit when not exists (select from unnest(v_ranges) as r
                               where lower(r) <= v_start and upper(r) >= v_end);
        v_step := v_step + 1;
        ready_until := v_end;
        exit when v_step > v_cfg.premake + 1;
        v_start := v_end;
      end loop;
      current_period_ready := v_step > 0;
      future_periods_ready := greatest(v_step - 1, 0);

      if v_cfg.retention is not null then
        select count(*) into overdue_partitions
          from unnest(v_ranges) as r
         where upper(r) <= now() - v_cfg.retention;
      end if;
    end if;
    return next;
  end loop;

  -- Range-partitioned tables nobody registered (extensions' own tables aside).
  return query
    select format('%I.%I', n.nspname, c.relname), false, true, null::text, null::integer, null::interval,
           null::integer, null::text, null::bigint, null::timestamptz, null::boolean, null::integer,
           null::timestamptz, null::integer, null::text
      from pg_catalog.pg_partitioned_table as pt
      join pg_catalog.pg_class as c on c.oid = pt.partrelid
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where pt.partstrat = 'r' and not c.relispartition
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_temp%'
       and not exists (select from pg_catalog.pg_depend as d
                        where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
       and not exists (select from base.partition_config as pc where to_regclass(pc.parent_table) = c.oid)
     order by 1;
end
$$;
comment on function monitoring.partition_status() is
  'For every table in base.partition_config (is_registered), and every range-partitioned table missing from it (not is_registered): whether it exists, its partitions, rows in its DEFAULT partition (counted up to 100000), whether the current period and how many following periods have a partition, and partitions past retention. SECURITY DEFINER to count the DEFAULT partition.';

revoke execute on function monitoring.partition_status() from public;
grant execute on function monitoring.partition_status() to platform_monitor, service_role;

create view monitoring.partition_health as
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

comment on view monitoring.partition_health is
  'Per maintained partitioned table: rows in the DEFAULT partition, future partitions ready against premake, partitions past retention; plus configured tables that are missing and range-partitioned tables nobody maintains. Every check of every table is listed (ok included).';

grant select on monitoring.partition_health to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.partition_health', 'integrity', 'DEFAULT partition rows, future partitions, retention, unmaintained partitioned tables.');

commit;
