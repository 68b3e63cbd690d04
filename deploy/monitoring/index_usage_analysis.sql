-- Deploy platform:monitoring/index_usage_analysis to pg
-- Index findings, one row per problem:
--   unused_index       never scanned since the statistics reset (unique and constraint indexes
--                      excluded: they enforce something even when nobody reads them)
--   duplicate_index    same table, columns, operator classes, expressions and predicate as
--                      another index: the one kept is the constraint's, else the oldest
--   redundant_index    a plain btree whose columns are a leading prefix of another btree's
--   invalid_index      left INVALID by a failed CREATE INDEX CONCURRENTLY
--   write_heavy_index  written far more often than read
--   fk_without_index   a foreign key with no index starting with its columns
-- An index of a partitioned table is judged once, at the parent, with the scans and sizes of
-- all its partitions' indexes summed. Tables that belong to an extension are left out (they
-- cannot be changed), and so is Sqitch's registry (schema sqitch), which is the deploy tool's.
-- Catalog and statistics views only: no table is read, no relation is opened or locked (sizes
-- come from pg_class.relpages), so the view answers even while DDL holds a table.

begin;

-- The query lives in a function only to run it with jit = off: the planner's estimates for
-- catalog joins grow with the catalog and would otherwise trigger JIT compilation, which
-- costs far more than the query itself.
create function monitoring.index_usage_rows()
returns table (
  category text,
  check_name text,
  object_name text,
  severity text,
  value numeric,
  details text,
  recommended_action text,
  schema_name text,
  table_name text,
  index_name text,
  index_size_bytes numeric,
  index_scans numeric,
  table_writes numeric,
  definition text)
language sql
stable
set jit = off
as $$
  with -- The thresholds this view needs, read once (monitoring.severity() is inlined per row).
  th as (
    select
           (select t from monitoring.alert_thresholds as t where t.check_name = 'unused_index') as unused_index,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'duplicate_index') as duplicate_index,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'redundant_index') as redundant_index,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'invalid_index') as invalid_index,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'write_heavy_index') as write_heavy_index,
           (select t from monitoring.alert_thresholds as t where t.check_name = 'fk_without_index') as fk_without_index
  ),
  scope as (
    select t.oid, n.nspname, t.relname, t.relkind, t.reltuples
      from pg_catalog.pg_class as t
      join pg_catalog.pg_namespace as n on n.oid = t.relnamespace
     where t.relkind in ('r', 'p', 'm')
       and n.nspname not in ('pg_catalog', 'information_schema')
       and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
       and n.nspname <> 'sqitch'  -- the deploy tool's registry: not ours to index
       and not exists (select from pg_catalog.pg_depend as d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = t.oid and d.deptype = 'e')
  ),
  constraint_indexes as (
    select k.conindid, min(k.conname) as conname
      from pg_catalog.pg_constraint as k
     where k.contype in ('p', 'u', 'x') and k.conindid <> 0
     group by k.conindid
  ),
  idx as (
    select i.indexrelid, i.indrelid, ic.relkind as index_kind, ic.relispartition as is_partition_index,
           sc.nspname as schema_name, sc.relname as table_name, ic.relname as index_name,
           format('%I.%I', sc.nspname, ic.relname) as qualified_name,
           i.indisunique, i.indisvalid,
           string_to_array(i.indkey::text, ' ')::int2[] as keys,
           (string_to_array(i.indkey::text, ' ')::int2[])[1:i.indnkeyatts] as key_columns,
           (string_to_array(i.indclass::text, ' ')::oid[])[1:i.indnkeyatts] as key_opclasses,
           i.indcollation::text as collations,
           pg_catalog.pg_get_expr(i.indexprs, i.indrelid) as expressions,
           pg_catalog.pg_get_expr(i.indpred, i.indrelid) as predicate,
           am.amname,
           ic.relpages,
           k.conindid is not null as backs_constraint,
           k.conname as constraint_name
      from pg_catalog.pg_index as i
      join scope as sc on sc.oid = i.indrelid
      join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
      join pg_catalog.pg_am as am on am.oid = ic.relam
      left join constraint_indexes as k on k.conindid = i.indexrelid
  ),
  -- Usage and size: an index's own, or for a partitioned index the sum over its leaf indexes.
  -- The statistics functions are called directly: cheaper than joining the pg_stat_* views.
  usage as (
    select x.*,
           case when x.index_kind = 'I'
                then (select coalesce(sum(pg_catalog.pg_stat_get_numscans(p.relid)), 0)
                        from pg_catalog.pg_partition_tree(x.indexrelid) as p where p.isleaf)
                else pg_catalog.pg_stat_get_numscans(x.indexrelid) end::numeric as scans,
           -- Sizes from pg_class.relpages (as of the last VACUUM, ANALYZE or CREATE INDEX):
           -- pg_relation_size() would open, and lock, every index.
           case when x.index_kind = 'I'
                then (select coalesce(sum(c.relpages), 0) from pg_catalog.pg_partition_tree(x.indexrelid) as p
                        join pg_catalog.pg_class as c on c.oid = p.relid where p.isleaf)
                else x.relpages end::numeric * current_setting('block_size')::numeric as size_bytes,
           case when x.index_kind = 'I'
                then (select coalesce(sum(pg_catalog.pg_stat_get_tuples_inserted(p.relid) + pg_catalog.pg_stat_get_tuples_updated(p.relid)
                                          + pg_catalog.pg_stat_get_tuples_deleted(p.relid)), 0)
                        from pg_catalog.pg_partition_tree(x.indrelid) as p where p.isleaf)
                else pg_catalog.pg_stat_get_tuples_inserted(x.indrelid) + pg_catalog.pg_stat_get_tuples_updated(x.indrelid)
                     + pg_catalog.pg_stat_get_tuples_deleted(x.indrelid) end::numeric as writes,
           (select d.stats_reset from pg_catalog.pg_stat_database as d where d.datname = current_database()) as stats_reset
      from idx as x
     where not x.is_partition_index
  ),
  unused as (
    select 'unused_index' as check_name, u.qualified_name as object_name,
           monitoring.severity(th.unused_index, u.size_bytes) as severity, u.size_bytes as value,
           format('%s on %I.%I (%s) has not been scanned since %s; the table took %s writes meanwhile',
                  u.qualified_name, u.schema_name, u.table_name, pg_catalog.pg_size_pretty(u.size_bytes),
                  coalesce(u.stats_reset::text, 'the statistics were created'), u.writes) as details,
           case when u.index_kind = 'I' then format('If no query needs it (check on a replica too): drop index %s;', u.qualified_name)
                else format('If no query needs it (check on a replica too): drop index concurrently %s;', u.qualified_name) end as action,
           u.*, pg_catalog.pg_get_indexdef(u.indexrelid) as definition
      from usage as u cross join th
     where u.scans = 0 and not u.indisunique and not u.backs_constraint and u.indisvalid
  ),
  dup_groups as (
    select u.*,
           first_value(u.qualified_name) over w as kept_index,
           row_number() over w as rn
      from usage as u
    window w as (partition by u.indrelid, u.amname, u.keys, u.key_opclasses, u.collations,
                              coalesce(u.expressions, ''), coalesce(u.predicate, '')
                 order by u.backs_constraint desc, u.indisunique desc, u.indexrelid)
  ),
  duplicate as (
    select 'duplicate_index' as check_name, d.qualified_name as object_name,
           monitoring.severity(th.duplicate_index, d.size_bytes) as severity, d.size_bytes as value,
           format('%s duplicates %s (%s): %s', d.qualified_name, d.kept_index,
                  pg_catalog.pg_size_pretty(d.size_bytes), pg_catalog.pg_get_indexdef(d.indexrelid)) as details,
           case when d.backs_constraint
                then format('Both enforce a constraint: drop the redundant constraint: alter table %I.%I drop constraint %I;',
                            d.schema_name, d.table_name, d.constraint_name)
                when d.index_kind = 'I' then format('drop index %s; -- %s covers it', d.qualified_name, d.kept_index)
                else format('drop index concurrently %s; -- %s covers it', d.qualified_name, d.kept_index) end as action,
           d.indexrelid, d.schema_name, d.table_name, d.index_name, d.size_bytes, d.scans, d.writes,
           pg_catalog.pg_get_indexdef(d.indexrelid) as definition
      from dup_groups as d cross join th
     where d.rn > 1
  ),
  -- Prefix pairs straight from pg_index (its statistics let the planner hash-join on table and
  -- first column instead of comparing every pair of indexes).
  prefix_pairs as (
    select xi.indexrelid as x_oid, min(yi.indexrelid) as y_oid
      from pg_catalog.pg_index as xi
      join pg_catalog.pg_class as xc on xc.oid = xi.indexrelid
      join pg_catalog.pg_index as yi
        on yi.indrelid = xi.indrelid and yi.indkey[0] = xi.indkey[0] and yi.indexrelid <> xi.indexrelid
      join pg_catalog.pg_class as yc on yc.oid = yi.indexrelid
     where xc.relam = yc.relam
       and xc.relam = (select a.oid from pg_catalog.pg_am as a where a.amname = 'btree')
       and xi.indexprs is null and xi.indpred is null and yi.indexprs is null and yi.indpred is null
       and xi.indisvalid and yi.indisvalid and not xi.indisunique
       and yi.indnkeyatts > xi.indnkeyatts
       and (string_to_array(yi.indkey::text, ' ')::int2[])[1:xi.indnkeyatts]
         = (string_to_array(xi.indkey::text, ' ')::int2[])[1:xi.indnkeyatts]
       and (string_to_array(yi.indclass::text, ' ')::oid[])[1:xi.indnkeyatts]
         = (string_to_array(xi.indclass::text, ' ')::oid[])[1:xi.indnkeyatts]
     group by xi.indexrelid
  ),
  redundant as (
    select 'redundant_index' as check_name, x.qualified_name as object_name,
           monitoring.severity(th.redundant_index, x.size_bytes) as severity, x.size_bytes as value,
           format('the columns of %s are a leading prefix of %s; that index can serve its queries', x.qualified_name,
                  format('%I.%I', x.schema_name, (select c.relname from pg_catalog.pg_class as c where c.oid = pp.y_oid))) as details,
           case when x.index_kind = 'I' then format('Unless its smaller size matters for a hot query: drop index %s;', x.qualified_name)
                else format('Unless its smaller size matters for a hot query: drop index concurrently %s;', x.qualified_name) end as action,
           x.indexrelid, x.schema_name, x.table_name, x.index_name, x.size_bytes, x.scans, x.writes,
           pg_catalog.pg_get_indexdef(x.indexrelid) as definition
      from prefix_pairs as pp
      join usage as x on x.indexrelid = pp.x_oid
      cross join th
     where not x.backs_constraint
  ),
  invalid as (
    select 'invalid_index' as check_name, x.qualified_name as object_name,
           monitoring.severity(th.invalid_index, x.relpages::numeric * current_setting('block_size')::numeric) as severity,
           x.relpages::numeric * current_setting('block_size')::numeric as value,
           format('%s is INVALID (a failed or running CREATE INDEX CONCURRENTLY): written on every change, never used', x.qualified_name) as details,
           format('Unless a CREATE INDEX CONCURRENTLY is still running on it: drop index concurrently %s; then create it again (or: reindex index concurrently %s;)',
                  x.qualified_name, x.qualified_name) as action,
           x.indexrelid, x.schema_name, x.table_name, x.index_name,
           x.relpages::numeric * current_setting('block_size')::numeric as size_bytes, null::numeric as scans, null::numeric as writes,
           pg_catalog.pg_get_indexdef(x.indexrelid) as definition
      from idx as x cross join th
     where not x.indisvalid
  ),
  write_heavy as (
    select 'write_heavy_index' as check_name, u.qualified_name as object_name,
           monitoring.severity(th.write_heavy_index, u.writes / u.scans, u.writes) as severity,
           round(u.writes / u.scans, 1) as value,
           format('%s: %s table writes for %s index scans (%s writes per scan)', u.qualified_name, u.writes, u.scans,
                  round(u.writes / u.scans)) as details,
           format('Check that the queries using %s need it; every write pays for it.', u.qualified_name) as action,
           u.indexrelid, u.schema_name, u.table_name, u.index_name, u.size_bytes, u.scans, u.writes,
           pg_catalog.pg_get_indexdef(u.indexrelid) as definition
      from usage as u cross join th
     where u.scans > 0 and not u.indisunique and not u.backs_constraint
  ),
  fk as (
    select k.oid, k.conname, k.conrelid, k.conkey, sc.nspname, sc.relname, sc.relkind,
           (select coalesce(sum(greatest(c.reltuples, 0)), 0)
              from pg_catalog.pg_partition_tree(k.conrelid) as p
              join pg_catalog.pg_class as c on c.oid = p.relid
             where p.isleaf)::numeric as child_rows,
           (select string_agg(format('%I', a.attname), ', ' order by x.ord)
              from unnest(k.conkey) with ordinality as x(attnum, ord)
              join pg_catalog.pg_attribute as a on a.attrelid = k.conrelid and a.attnum = x.attnum) as column_list,
           (select string_agg(a.attname, '_' order by x.ord)
              from unnest(k.conkey) with ordinality as x(attnum, ord)
              join pg_catalog.pg_attribute as a on a.attrelid = k.conrelid and a.attnum = x.attnum) as column_names
      from pg_catalog.pg_constraint as k
      join scope as sc on sc.oid = k.conrelid
     where k.contype = 'f' and k.conparentid = 0
       and not exists (
         select from pg_catalog.pg_index as i
          where i.indrelid = k.conrelid
            and (select array_agg(x order by x) from unnest(k.conkey) as x)
              = (select array_agg(x order by x)
                   from unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) as x))
  ),
  fk_without_index as (
    select 'fk_without_index' as check_name, format('%I.%I.%I', f.nspname, f.relname, f.conname) as object_name,
           monitoring.severity(th.fk_without_index, f.child_rows) as severity, f.child_rows as value,
           format('foreign key %I on %I.%I (%s) has no index starting with its columns: every delete or key update of the referenced row scans about %s rows',
                  f.conname, f.nspname, f.relname, f.column_list, f.child_rows) as details,
           format('create index %s%s on %I.%I (%s);',
                  case when f.relkind = 'p' then '' else 'concurrently ' end,
                  quote_ident(left(f.relname || '_' || f.column_names, 59) || '_idx'), f.nspname, f.relname, f.column_list) as action,
           null::oid as indexrelid, f.nspname::text as schema_name, f.relname::text as table_name, null::text as index_name,
           null::numeric as size_bytes, null::numeric as scans, null::numeric as writes,
           pg_catalog.pg_get_constraintdef(f.oid) as definition
      from fk as f cross join th
  ),
  findings as (
    select check_name, object_name, severity, value, details, action, schema_name::text, table_name::text,
           index_name::text, size_bytes, scans, writes, definition from unused
    union all
    select check_name, object_name, severity, value, details, action, schema_name::text, table_name::text,
           index_name::text, size_bytes, scans, writes, definition from duplicate
    union all
    select check_name, object_name, severity, value, details, action, schema_name::text, table_name::text,
           index_name::text, size_bytes, scans, writes, definition from redundant
    union all
    select check_name, object_name, severity, value, details, action, schema_name::text, table_name::text,
           index_name::text, size_bytes, scans, writes, definition from invalid
    union all
    select check_name, object_name, severity, value, details, action, schema_name::text, table_name::text,
           index_name::text, size_bytes, scans, writes, definition from write_heavy
    union all
    select check_name, object_name, severity, value, details, action, schema_name, table_name,
           index_name, size_bytes, scans, writes, definition from fk_without_index
  )
  select 'indexing'::text as category, f.check_name, f.object_name, f.severity, f.value, f.details,
         case when f.severity = 'ok' then 'No action needed.' else f.action end as recommended_action,
         f.schema_name, f.table_name, f.index_name, f.size_bytes as index_size_bytes,
         f.scans as index_scans, f.writes as table_writes, f.definition
    from findings as f
   where f.severity <> 'ok'
$$;
comment on function monitoring.index_usage_rows() is
  'The rows of monitoring.index_usage_analysis (which selects from this function so that it runs without JIT).';
revoke execute on function monitoring.index_usage_rows() from public;
grant execute on function monitoring.index_usage_rows() to platform_monitor, service_role;

create view monitoring.index_usage_analysis as
select category, check_name, object_name, severity, value, details, recommended_action, schema_name, table_name, index_name, index_size_bytes, index_scans, table_writes, definition
  from monitoring.index_usage_rows();

comment on view monitoring.index_usage_analysis is
  'Index findings (only rows that need attention): unused, duplicate, redundant (prefix), invalid and write-heavy indexes, and foreign keys without an index, each with severity, the evidence and the DDL to run. Partitioned indexes are judged at the parent with their partitions summed; extension tables are left out.';

grant select on monitoring.index_usage_analysis to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.index_usage_analysis', 'performance', 'Unused, duplicate, redundant, invalid and write-heavy indexes; foreign keys without an index.');

commit;
