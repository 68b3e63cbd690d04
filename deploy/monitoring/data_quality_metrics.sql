-- Deploy platform:monitoring/data_quality_metrics to pg
-- What the planner's statistics say about the package's data, without reading a row:
--   table_rows                 estimated rows and size of every package table (a metric, ok)
--   table_without_primary_key  any user table (extensions aside) without a primary key
--   all_null_column            a column NULL in every sampled row (never populated?)
--   constant_column            a column with one single value (a flag nobody flips?)
--   wide_column                a column whose values average over 1 kB in the row itself (below
--                              the TOAST threshold, so every scan reads them)
-- Column checks come from pg_stats, so they are as fresh as the last ANALYZE and judged only
-- on tables big enough (minimum_sample rows). pg_stats hides columns the caller may not read,
-- so the column statistics are read by a SECURITY DEFINER function that returns numbers only.

begin;

create function monitoring.column_statistics()
returns table (schema_name text, table_name text, column_name text, data_type text,
               table_rows numeric, null_fraction numeric, distinct_values numeric, average_width integer)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select n.nspname::text, c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
         greatest(c.reltuples, 0)::numeric,
         s.null_frac::numeric,
         case when s.n_distinct < 0 then -s.n_distinct * greatest(c.reltuples, 0) else s.n_distinct end::numeric,
         s.avg_width
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    join pg_catalog.pg_stats as s
      on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = a.attname
     and s.inherited = (c.relkind = 'p')
   where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
     and c.relkind in ('r', 'p') and not c.relispartition
$$;
comment on function monitoring.column_statistics() is
  'pg_stats of every column of the package tables (NULL fraction, distinct values, average width) with the table''s estimated rows. SECURITY DEFINER because pg_stats hides columns the caller cannot read; returns statistics only, no values.';

revoke execute on function monitoring.column_statistics() from public;
grant execute on function monitoring.column_statistics() to platform_monitor, service_role;

-- The query lives in a function only to run it with jit = off: the planner's estimates for
-- catalog joins grow with the catalog and would otherwise trigger JIT compilation, which
-- costs far more than the query itself.
create function monitoring.data_quality_rows()
returns table (
  category text,
  check_name text,
  object_name text,
  severity text,
  value numeric,
  details text,
  recommended_action text)
language sql
stable
set jit = off
as $$
  with th as (
    select
           (select t from monitoring.alert_thresholds as t where t.check_name = 'table_without_primary_key') as table_without_primary_key,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'all_null_column') as all_null_column,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'constant_column') as constant_column,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'wide_column') as wide_column
  ),
  -- Pages of each relation with its TOAST table and indexes (relpages: nothing is opened or locked).
  pages as (
    select c.oid, c.relpages + coalesce(toast.relpages, 0) + coalesce(ix.pages, 0) as pages
      from pg_catalog.pg_class as c
      left join pg_catalog.pg_class as toast on toast.oid = c.reltoastrelid
      left join (select i.indrelid, sum(ic.relpages) as pages
                   from pg_catalog.pg_index as i join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                  group by i.indrelid) as ix on ix.indrelid = c.oid
     where c.relkind in ('r', 'p')
  ),
  package_tables as (
    select c.oid, format('%I.%I', n.nspname, c.relname) as name, c.relkind,
           case when c.relkind = 'p'
                then (select coalesce(sum(greatest(l.reltuples, 0)), 0) from pg_catalog.pg_partition_tree(c.oid) as p
                        join pg_catalog.pg_class as l on l.oid = p.relid where p.isleaf)
                else greatest(c.reltuples, 0) end::numeric as estimated_rows,
           case when c.relkind = 'p'
                then (select coalesce(sum(pg.pages), 0) from pg_catalog.pg_partition_tree(c.oid) as p
                        join pages as pg on pg.oid = p.relid where p.isleaf)
                else (select pg.pages from pages as pg where pg.oid = c.oid) end::numeric
             * current_setting('block_size')::numeric as total_bytes
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
       and c.relkind in ('r', 'p') and not c.relispartition
  ),
  no_pk as (
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relispartition
       and n.nspname not in ('pg_catalog', 'information_schema')
       and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
       and not exists (select from pg_catalog.pg_constraint as k where k.conrelid = c.oid and k.contype = 'p')
       and not exists (select from pg_catalog.pg_depend as d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
  ),
  cols as (
    select s.*, format('%I.%I.%I', s.schema_name, s.table_name, s.column_name) as name
      from monitoring.column_statistics() as s
  ),
  findings as (
    select 'data_quality' as category, 'table_rows' as check_name, t.name as object_name, 'ok' as severity,
           t.estimated_rows as value,
           format('%s: about %s rows, about %s with indexes and TOAST', t.name, t.estimated_rows::bigint,
                  pg_catalog.pg_size_pretty(t.total_bytes)) as details,
           '' as action, null::text as column_name
      from package_tables as t
    union all
    select 'data_quality', 'table_without_primary_key', p.name, monitoring.severity(th.table_without_primary_key, 1), 1,
           format('%s has no primary key: duplicate rows are possible and logical replication cannot apply its updates and deletes', p.name),
           format('alter table %s add primary key (...); (after removing duplicates)', p.name), null
      from no_pk as p cross join th
    union all
    select 'data_quality', 'all_null_column', c.name,
           monitoring.severity(th.all_null_column, case when c.null_fraction >= 1 then 1 else 0 end, c.table_rows),
           c.null_fraction,
           format('%s (%s) is NULL in every sampled row of about %s', c.name, c.data_type, c.table_rows::bigint),
           format('Check the code that should fill %s, or drop the column if it is unused.', c.name), c.column_name
      from cols as c cross join th
    union all
    select 'data_quality', 'constant_column', c.name,
           monitoring.severity(th.constant_column, case when c.distinct_values = 1 and c.null_fraction = 0 then 1 else 0 end, c.table_rows),
           c.distinct_values,
           format('%s (%s) holds the same value in every sampled row of about %s', c.name, c.data_type, c.table_rows::bigint),
           format('Check that %s is really set by the application, or drop it.', c.name), c.column_name
      from cols as c cross join th
    union all
    select 'data_quality', 'wide_column', c.name,
           monitoring.severity(th.wide_column, c.average_width, c.table_rows),
           c.average_width,
           format('%s (%s) averages %s bytes per value inside the row: fewer rows fit a page and every scan reads them', c.name, c.data_type, c.average_width),
           format('Keep large values of %s in a side table (or let them be compressed/TOASTed: alter table ... alter column ... set storage extended), and select it only when needed.', c.name),
           c.column_name
      from cols as c cross join th
  )
  select f.category, f.check_name, f.object_name, f.severity, f.value, f.details,
         case when f.severity = 'ok' then 'No action needed.' else f.action end as recommended_action
    from findings as f
   where f.check_name = 'table_rows' or f.severity <> 'ok'
$$;
comment on function monitoring.data_quality_rows() is
  'The rows of monitoring.data_quality_metrics (which selects from this function so that it runs without JIT).';
revoke execute on function monitoring.data_quality_rows() from public;
grant execute on function monitoring.data_quality_rows() to platform_monitor, service_role;

create view monitoring.data_quality_metrics as
select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.data_quality_rows();

comment on view monitoring.data_quality_metrics is
  'Row and size estimates of every package table, and data quality findings from the catalogs and pg_stats: tables without a primary key, columns always NULL, columns with one constant value, columns wide inside the row. No table is read.';

grant select on monitoring.data_quality_metrics to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.data_quality_metrics', 'quality', 'Tables without primary key; always-NULL, constant and very wide columns.');

commit;
