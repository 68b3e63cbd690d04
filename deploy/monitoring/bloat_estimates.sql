-- Deploy platform:monitoring/bloat_estimates to pg
-- Table and btree index bloat, estimated the ioguix way (pgsql-bloat-estimation): the size the
-- rows would need, computed from pg_class.reltuples and the column widths and NULL fractions in
-- pg_stats, against the pages the relation really has. No pgstattuple, no table scan: the
-- estimate is as fresh as the last ANALYZE, and is flagged unreliable when a column has no
-- statistics or is of type name (whose stored width pg_stats does not report).
--
-- pg_stats shows a column only to roles that may read it, so the estimate runs as the deployer
-- (SECURITY DEFINER), the owner of the package's tables; it returns sizes, never values.

begin;

create function monitoring.estimate_bloat(p_min_bytes numeric default 0)
returns table (relation_kind text, schema_name text, table_name text, index_name text,
               real_size_bytes numeric, expected_size_bytes numeric, bloat_bytes numeric,
               bloat_percent numeric, fillfactor integer, is_reliable boolean)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  with settings as (
    select current_setting('block_size')::numeric as bs,
           8 as ma,   -- MAXALIGN on every 64-bit platform PostgreSQL 15+ supports
           24 as page_header
  ),
  tables as (
    select c.oid, n.nspname, c.relname, c.reltuples::numeric as reltuples, c.relpages::numeric as relpages,
           coalesce(toast.relpages, 0)::numeric as toast_pages, coalesce(toast.reltuples, 0)::numeric as toast_tuples,
           coalesce((select substring(o from '^fillfactor=([0-9]+)$')::integer
                       from unnest(c.reloptions) as o where o like 'fillfactor=%'), 100) as fillfactor
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      left join pg_catalog.pg_class as toast on toast.oid = c.reltoastrelid
     where c.relkind in ('r', 'm') and c.relpages > 0 and c.reltuples >= 0
       and c.relpages::numeric * current_setting('block_size')::numeric >= coalesce(p_min_bytes, 0)
       and n.nspname not in ('pg_catalog', 'information_schema')
       and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
  ),
  table_columns as (
    select t.oid,
           count(*) as columns,
           count(s.attname) as columns_with_stats,
           max(coalesce(s.null_frac, 0)) as max_null_frac,
           sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0))::numeric as data_width,
           bool_or(a.atttypid = 'pg_catalog.name'::pg_catalog.regtype) as has_name_column
      from tables as t
      join pg_catalog.pg_attribute as a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
      left join pg_catalog.pg_stats as s
        on s.schemaname = t.nspname and s.tablename = t.relname and s.attname = a.attname and not s.inherited
     group by t.oid
  ),
  table_estimate as (
    select t.nspname, t.relname, t.fillfactor, t.relpages + t.toast_pages as real_pages,
           -- heap tuple: item pointer (4) + aligned header (23, plus the NULL bitmap when any
           -- column has NULLs) + aligned data; TOAST chunks counted four to a page
           ceil(t.reltuples / floor((st.bs - st.page_header) * t.fillfactor / 100
                / (4 + ceil((23 + case when c.max_null_frac > 0 then (7 + c.columns) / 8 else 0 end)::numeric / st.ma) * st.ma
                     + ceil(c.data_width / st.ma) * st.ma)))
             + ceil(t.toast_tuples / 4) as expected_pages,
           st.bs,
           c.columns_with_stats = c.columns and not c.has_name_column as is_reliable
      from tables as t
      join table_columns as c on c.oid = t.oid
      cross join settings as st
  ),
  indexes as (
    select i.indexrelid, i.indrelid, n.nspname, tc.relname as tblname, ic.relname as idxname,
           ic.reltuples::numeric as reltuples, ic.relpages::numeric as relpages, i.indkey,
           coalesce((select substring(o from '^fillfactor=([0-9]+)$')::integer
                       from unnest(ic.reloptions) as o where o like 'fillfactor=%'), 90) as fillfactor
      from pg_catalog.pg_index as i
      join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
      join pg_catalog.pg_class as tc on tc.oid = i.indrelid
      join pg_catalog.pg_namespace as n on n.oid = ic.relnamespace
      join pg_catalog.pg_am as am on am.oid = ic.relam
     where am.amname = 'btree' and ic.relkind = 'i' and i.indisvalid and ic.relpages > 0 and ic.reltuples >= 0
       and ic.relpages::numeric * current_setting('block_size')::numeric >= coalesce(p_min_bytes, 0)
       and tc.relkind in ('r', 'm')
       and n.nspname not in ('pg_catalog', 'information_schema')
       and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
  ),
  index_columns as (
    -- A plain key column takes its statistics from the table; an expression from the index.
    select x.indexrelid,
           count(*) as columns,
           count(s.attname) as columns_with_stats,
           max(coalesce(s.null_frac, 0)) as max_null_frac,
           sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0))::numeric as data_width,
           bool_or(ia.atttypid = 'pg_catalog.name'::pg_catalog.regtype) as has_name_column
      from indexes as x
      join pg_catalog.pg_attribute as ia on ia.attrelid = x.indexrelid and ia.attnum > 0
      left join pg_catalog.pg_attribute as ta
        on ta.attrelid = x.indrelid and ta.attnum = (x.indkey::int2[])[ia.attnum - 1] and ta.attnum > 0
      left join pg_catalog.pg_stats as s
        on s.schemaname = x.nspname and not s.inherited
       and ((ta.attname is not null and s.tablename = x.tblname and s.attname = ta.attname)
         or (ta.attname is null and s.tablename = x.idxname and s.attname = ia.attname))
     group by x.indexrelid
  ),
  index_estimate as (
    select x.nspname, x.tblname, x.idxname, x.fillfactor, x.relpages as real_pages,
           -- btree leaf tuple: line pointer (4) + IndexTupleData (8, plus a 4-byte NULL bitmap
           -- when a key can be NULL) aligned + data aligned; page header 24, btree special 16;
           -- plus the metapage
           1 + ceil(x.reltuples / floor((st.bs - st.page_header - 16) * x.fillfactor / 100
                / (4 + ceil((8 + case when c.max_null_frac > 0 then 4 else 0 end)::numeric / st.ma) * st.ma
                     + ceil(c.data_width / st.ma) * st.ma))) as expected_pages,
           st.bs,
           c.columns_with_stats = c.columns and not c.has_name_column as is_reliable
      from indexes as x
      join index_columns as c on c.indexrelid = x.indexrelid
      cross join settings as st
  )
  select 'table', e.nspname::text, e.relname::text, null::text,
         e.real_pages * e.bs, least(e.expected_pages, e.real_pages) * e.bs,
         greatest(e.real_pages - e.expected_pages, 0) * e.bs,
         round(100 * greatest(e.real_pages - e.expected_pages, 0) / e.real_pages, 1),
         e.fillfactor, e.is_reliable
    from table_estimate as e
  union all
  select 'index', e.nspname::text, e.tblname::text, e.idxname::text,
         e.real_pages * e.bs, least(e.expected_pages, e.real_pages) * e.bs,
         greatest(e.real_pages - e.expected_pages, 0) * e.bs,
         round(100 * greatest(e.real_pages - e.expected_pages, 0) / e.real_pages, 1),
         e.fillfactor, e.is_reliable
    from index_estimate as e
$$;
comment on function monitoring.estimate_bloat(numeric) is
  'ioguix-style bloat estimate of every table and btree index of at least p_min_bytes, from pg_class and pg_stats (no pgstattuple, no scan): real size, expected size at its fillfactor, bloat in bytes and percent, and whether the statistics make the estimate reliable. SECURITY DEFINER to read pg_stats of the package''s tables; returns sizes only.';

revoke execute on function monitoring.estimate_bloat(numeric) from public;
grant execute on function monitoring.estimate_bloat(numeric) to platform_monitor, service_role;

create view monitoring.bloat_estimates as
select 'bloat'::text as category,
       case b.relation_kind when 'table' then 'table_bloat' else 'index_bloat' end as check_name,
       case b.relation_kind when 'table' then format('%I.%I', b.schema_name, b.table_name)
            else format('%I.%I', b.schema_name, b.index_name) end as object_name,
       case when not b.is_reliable then 'ok'
            else monitoring.severity(case b.relation_kind when 'table' then th.table_bloat else th.index_bloat end,
                                     b.bloat_percent, b.real_size_bytes) end as severity,
       b.bloat_percent as value,
       format('%s %s: about %s of %s is bloat (%s%%)%s', b.relation_kind,
              case b.relation_kind when 'table' then format('%I.%I', b.schema_name, b.table_name)
                   else format('%I.%I', b.schema_name, b.index_name) end,
              pg_catalog.pg_size_pretty(b.bloat_bytes), pg_catalog.pg_size_pretty(b.real_size_bytes), b.bloat_percent,
              case when b.is_reliable then '' else ' (unreliable: missing statistics, ANALYZE it)' end) as details,
       case when b.relation_kind = 'table'
            then format('Rebuild %I.%I online with pg_repack (or vacuum full, which locks it), then find why it bloated: dead_tuples in monitoring.table_access_patterns, long transactions.',
                        b.schema_name, b.table_name)
            else format('reindex index concurrently %I.%I;', b.schema_name, b.index_name) end as recommended_action,
       b.relation_kind, b.schema_name, b.table_name, b.index_name, b.real_size_bytes, b.expected_size_bytes,
       b.bloat_bytes, b.bloat_percent, b.fillfactor, b.is_reliable
  from (select (select t from monitoring.alert_thresholds as t where t.check_name = 'table_bloat') as table_bloat,
               (select t from monitoring.alert_thresholds as t where t.check_name = 'index_bloat') as index_bloat) as th
  -- Relations under 1 MB (or under the bloat checks' minimum size, if lower) are not worth the
  -- estimate: they could never be judged.
  cross join lateral monitoring.estimate_bloat(least(coalesce((th.table_bloat).minimum_sample, 0),
                                                     coalesce((th.index_bloat).minimum_sample, 0), 1048576)) as b;

comment on view monitoring.bloat_estimates is
  'Estimated bloat of every table and btree index of 1 MB or more (ioguix method, from statistics only), with severity by the table_bloat / index_bloat thresholds (judged only above their minimum size and when the estimate is reliable) and the rebuild to run.';

grant select on monitoring.bloat_estimates to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.bloat_estimates', 'maintenance', 'Estimated table and btree index bloat.');

commit;
