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
-- Catalog and statistics views only: no table is read.

begin;

create view monitoring.index_usage_analysis as
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
         exists (select from pg_catalog.pg_constraint as k
                  where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x')) as backs_constraint,
         (select k.conname from pg_catalog.pg_constraint as k
           where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x') limit 1) as constraint_name,
         pg_catalog.pg_get_indexdef(i.indexrelid) as definition
    from pg_catalog.pg_index as i
    join scope as sc on sc.oid = i.indrelid
    join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
    join pg_catalog.pg_am as am on am.oid = ic.relam
),
-- Usage and size: an index's own, or for a partitioned index the sum over its leaf indexes.
usage as (
  select x.*, u.scans, u.size_bytes, w.writes, w.stats_reset
    from idx as x
    cross join lateral (
      select coalesce(sum(s.idx_scan), 0)::numeric as scans,
             coalesce(sum(pg_catalog.pg_relation_size(l.relid)), 0)::numeric as size_bytes
        from (select x.indexrelid as relid where x.index_kind = 'i'
              union all
              select p.relid from pg_catalog.pg_partition_tree(x.indexrelid) as p
               where x.index_kind = 'I' and p.isleaf) as l
        left join pg_catalog.pg_stat_all_indexes as s on s.indexrelid = l.relid) as u
    cross join lateral (
      select coalesce(sum(t.n_tup_ins + t.n_tup_upd + t.n_tup_del), 0)::numeric as writes,
             (select d.stats_reset from pg_catalog.pg_stat_database as d where d.datname = current_database()) as stats_reset
        from (select x.indrelid as relid where x.index_kind = 'i'
              union all
              select p.relid from pg_catalog.pg_partition_tree(x.indrelid) as p
               where x.index_kind = 'I' and p.isleaf) as l
        left join pg_catalog.pg_stat_all_tables as t on t.relid = l.relid) as w
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
         u.*
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
                pg_catalog.pg_size_pretty(d.size_bytes), d.definition) as details,
         case when d.backs_constraint
              then format('Both enforce a constraint: drop the redundant constraint: alter table %I.%I drop constraint %I;',
                          d.schema_name, d.table_name, d.constraint_name)
              when d.index_kind = 'I' then format('drop index %s; -- %s covers it', d.qualified_name, d.kept_index)
              else format('drop index concurrently %s; -- %s covers it', d.qualified_name, d.kept_index) end as action,
         d.indexrelid, d.schema_name, d.table_name, d.index_name, d.size_bytes, d.scans, d.writes, d.definition
    from dup_groups as d cross join th
   where d.rn > 1
),
redundant as (
  select distinct on (x.indexrelid)
         'redundant_index' as check_name, x.qualified_name as object_name,
         monitoring.severity(th.redundant_index, x.size_bytes) as severity, x.size_bytes as value,
         format('the columns of %s are a leading prefix of %s; that index can serve its queries', x.qualified_name, y.qualified_name) as details,
         case when x.index_kind = 'I' then format('Unless its smaller size matters for a hot query: drop index %s;', x.qualified_name)
              else format('Unless its smaller size matters for a hot query: drop index concurrently %s;', x.qualified_name) end as action,
         x.indexrelid, x.schema_name, x.table_name, x.index_name, x.size_bytes, x.scans, x.writes, x.definition
    from usage as x
    join usage as y
      on y.indrelid = x.indrelid and y.indexrelid <> x.indexrelid
     and y.amname = 'btree' and y.predicate is null and y.expressions is null
     and cardinality(y.key_columns) > cardinality(x.key_columns)
     and y.key_columns[1:cardinality(x.key_columns)] = x.key_columns
     and y.key_opclasses[1:cardinality(x.key_opclasses)] = x.key_opclasses
    cross join th
   where x.amname = 'btree' and x.predicate is null and x.expressions is null
     and not x.indisunique and not x.backs_constraint and x.indisvalid and y.indisvalid
   order by x.indexrelid, y.indexrelid
),
invalid as (
  select 'invalid_index' as check_name, x.qualified_name as object_name,
         monitoring.severity(th.invalid_index, pg_catalog.pg_relation_size(x.indexrelid)::numeric) as severity,
         pg_catalog.pg_relation_size(x.indexrelid)::numeric as value,
         format('%s is INVALID (a failed or running CREATE INDEX CONCURRENTLY): written on every change, never used', x.qualified_name) as details,
         format('Unless a CREATE INDEX CONCURRENTLY is still running on it: drop index concurrently %s; then create it again (or: reindex index concurrently %s;)',
                x.qualified_name, x.qualified_name) as action,
         x.indexrelid, x.schema_name, x.table_name, x.index_name,
         pg_catalog.pg_relation_size(x.indexrelid)::numeric as size_bytes, null::numeric as scans, null::numeric as writes, x.definition
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
         u.indexrelid, u.schema_name, u.table_name, u.index_name, u.size_bytes, u.scans, u.writes, u.definition
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
 where f.severity <> 'ok';

comment on view monitoring.index_usage_analysis is
  'Index findings (only rows that need attention): unused, duplicate, redundant (prefix), invalid and write-heavy indexes, and foreign keys without an index, each with severity, the evidence and the DDL to run. Partitioned indexes are judged at the parent with their partitions summed; extension tables are left out.';

grant select on monitoring.index_usage_analysis to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.index_usage_analysis', 'performance', 'Unused, duplicate, redundant, invalid and write-heavy indexes; foreign keys without an index.');

commit;
