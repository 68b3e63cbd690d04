-- Revert platform:monitoring/partition_health from pg
-- Back to the v1.0.0 body of monitoring.partition_status() (a zero-column select to count).

begin;

set local lock_timeout = '5s';

create or replace function monitoring.partition_status()
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

commit;
