-- Faults the catalogs show at once (no statistics to wait for), injected for real in this
-- transaction: a foreign key without an index, duplicate and redundant indexes, an
-- organization without owner, RLS switched off, a disabled trigger, a NOT VALID constraint, a
-- table without primary key, always-NULL and constant columns, a sequence near its limit.
-- Each is flagged with its severity, then cleared.
begin;
select plan(35);

create schema monitoring_test;
create table monitoring_test.parents (id bigint primary key);
create table monitoring_test.children (
  id bigint primary key,
  parent_id bigint not null references monitoring_test.parents (id) on delete cascade,
  label text not null,
  kind text not null
);

-- Foreign key without an index.
select is((select severity from monitoring.index_usage_analysis
            where check_name = 'fk_without_index' and object_name = 'monitoring_test.children.children_parent_id_fkey'),
          'warning', 'a foreign key without an index is a warning');
select matches((select recommended_action from monitoring.index_usage_analysis
                 where object_name = 'monitoring_test.children.children_parent_id_fkey'),
               '^create index concurrently children_parent_id_idx on monitoring_test\.children \(parent_id\);$',
               'the action is the CREATE INDEX to run');
select is((select category from monitoring.performance_optimization_recommendations
            where object_name = 'monitoring_test.children.children_parent_id_fkey'), 'indexing',
          'it is an indexing recommendation');
select is((select severity from monitoring.critical_alerts
            where object_name = 'monitoring_test.children.children_parent_id_fkey'), 'warning',
          'and a critical_alerts row');
create index children_parent_id_idx on monitoring_test.children (parent_id);
select is((select count(*)::integer from monitoring.index_usage_analysis
            where check_name = 'fk_without_index' and table_name = 'children'), 0,
          'with the index, the finding clears');

-- Duplicate and redundant indexes.
create index children_parent_id_dup_idx on monitoring_test.children (parent_id);
select is((select severity || ' ' || index_name from monitoring.index_usage_analysis
            where check_name = 'duplicate_index' and table_name = 'children'),
          'warning children_parent_id_dup_idx', 'the newer of two identical indexes is flagged as a duplicate (warning)');
select matches((select recommended_action from monitoring.index_usage_analysis
                 where check_name = 'duplicate_index' and table_name = 'children'),
               'drop index concurrently monitoring_test\.children_parent_id_dup_idx', 'with the DROP to run');
drop index monitoring_test.children_parent_id_dup_idx;
select is((select count(*)::integer from monitoring.index_usage_analysis where check_name = 'duplicate_index' and table_name = 'children'),
          0, 'dropped, the duplicate finding clears');
create index children_parent_id_label_idx on monitoring_test.children (parent_id, label);
select is((select severity from monitoring.index_usage_analysis
            where check_name = 'redundant_index' and index_name = 'children_parent_id_idx'), 'info',
          'an index that is a prefix of another is redundant (info)');
select is((select count(*)::integer from monitoring.index_usage_analysis
            where check_name = 'duplicate_index' and index_name = 'children_pkey'), 0,
          'a primary key is never reported as a duplicate to drop');

-- An organization without an owner (a service inserted it directly).
insert into base.organizations (id, name, slug) values ('00000000-0000-7000-8000-0000000000a1', 'Orphan', 'monitoring-orphan');
select is((select severity from monitoring.base_integrity_checks where check_name = 'organization_without_owner'), 'warning',
          'an organization without owner is a warning');
select matches((select details from monitoring.data_integrity_checks where check_name = 'organization_without_owner'),
               'monitoring-orphan', 'data_integrity_checks names it');
select tests.add_member('00000000-0000-7000-8000-0000000000a1', tests.create_user('orphan-owner@example.test'), 'owner');
select is((select severity from monitoring.base_integrity_checks where check_name = 'organization_without_owner'), 'ok',
          'given an owner, it clears');

-- Row-level security switched off on a package table.
alter table base.users disable row level security;
select is((select severity from monitoring.base_integrity_checks where check_name = 'rls_disabled' and object_name = 'base.users'),
          'critical', 'RLS off on a package table is critical');
alter table base.users enable row level security;
select is((select severity || ' ' || object_name from monitoring.base_integrity_checks where check_name = 'rls_disabled'),
          'ok package tables', 'RLS back on: the check is ok');

-- A disabled trigger.
alter table base.users disable trigger _100_set_updated_at;
select is((select severity from monitoring.base_integrity_checks where check_name = 'disabled_trigger' and object_name = 'base.users'),
          'warning', 'a disabled trigger on a package table is a warning');
alter table base.users enable trigger _100_set_updated_at;
select is((select severity from monitoring.base_integrity_checks where check_name = 'disabled_trigger'), 'ok',
          're-enabled: ok');

-- A NOT VALID constraint.
alter table monitoring_test.children add constraint children_label_check check (length(label) < 100) not valid;
select is((select severity from monitoring.base_integrity_checks
            where check_name = 'unvalidated_constraint' and object_name = 'monitoring_test.children.children_label_check'),
          'warning', 'a NOT VALID constraint is a warning');
alter table monitoring_test.children validate constraint children_label_check;
select is((select severity from monitoring.base_integrity_checks where check_name = 'unvalidated_constraint'), 'ok',
          'validated: ok');

-- A table without a primary key.
create table monitoring_test.loose_rows (x integer);
select is((select severity from monitoring.data_quality_metrics
            where check_name = 'table_without_primary_key' and object_name = 'monitoring_test.loose_rows'), 'warning',
          'a table without a primary key is a warning');
alter table monitoring_test.loose_rows add primary key (x);
select is((select count(*)::integer from monitoring.data_quality_metrics where object_name = 'monitoring_test.loose_rows'), 0,
          'with a primary key it clears');

-- Always-NULL and constant columns of a package table (pg_stats after ANALYZE).
create table monitoring.quality_probe (id integer primary key, never_set text, always_same text not null, wide text);
insert into monitoring.quality_probe select g, null, 'same', repeat(md5(g::text), 45) from generate_series(1, 2000) as g;
analyze monitoring.quality_probe;
select is((select severity from monitoring.data_quality_metrics
            where check_name = 'all_null_column' and object_name = 'monitoring.quality_probe.never_set'), 'info',
          'a column NULL in every row is reported (info)');
select is((select severity from monitoring.data_quality_metrics
            where check_name = 'constant_column' and object_name = 'monitoring.quality_probe.always_same'), 'info',
          'a column with one value in every row is reported (info)');
select is((select severity from monitoring.data_quality_metrics
            where check_name = 'wide_column' and object_name = 'monitoring.quality_probe.wide'), 'info',
          'a column of 1.4 kB in-row values is reported as wide (info)');
select is((select value from monitoring.data_quality_metrics
            where check_name = 'table_rows' and object_name = 'monitoring.quality_probe'), 2000::numeric,
          'table_rows reports the estimated rows');
update monitoring.quality_probe set never_set = md5(id::text), always_same = id::text;
analyze monitoring.quality_probe;
select is((select count(*)::integer from monitoring.data_quality_metrics
            where check_name in ('all_null_column', 'constant_column') and object_name like 'monitoring.quality_probe.%'), 0,
          'populated and varied, both clear');

-- A sequence running out (serial on an integer column).
create table monitoring_test.counters (id serial primary key);
select setval('monitoring_test.counters_id_seq', 1700000000);
select is((select severity from monitoring.sequence_usage where object_name = 'monitoring_test.counters_id_seq'), 'warning',
          '79% of an integer serial used: warning');
select setval('monitoring_test.counters_id_seq', 2000000000);
select is((select severity from monitoring.sequence_usage where object_name = 'monitoring_test.counters_id_seq'), 'critical',
          '93% used: critical');
select matches((select recommended_action from monitoring.sequence_usage where object_name = 'monitoring_test.counters_id_seq'),
               'alter table monitoring_test\.counters alter column id type bigint', 'the action widens the column');
select is((select category from monitoring.maintenance_recommendations where object_name = 'monitoring_test.counters_id_seq'),
          'capacity', 'it is a maintenance recommendation (capacity)');
alter table monitoring_test.counters alter column id type bigint;
alter sequence monitoring_test.counters_id_seq as bigint;
select is((select severity from monitoring.sequence_usage where object_name = 'monitoring_test.counters_id_seq'), 'ok',
          'widened to bigint: ok');
select setval('monitoring_test.counters_id_seq', 1);

-- Bloat estimate on a table the test shrinks (delete 80%, then ANALYZE; no VACUUM FULL).
create table monitoring_test.shrunk (id integer primary key, payload text not null);
insert into monitoring_test.shrunk select g, repeat('x', 60) from generate_series(1, 50000) as g;
analyze monitoring_test.shrunk;
select cmp_ok((select bloat_percent from monitoring.bloat_estimates where object_name = 'monitoring_test.shrunk'), '<', 5::numeric,
              'a freshly filled table is estimated with little bloat');
delete from monitoring_test.shrunk where id % 5 <> 0;
analyze monitoring_test.shrunk;
select cmp_ok((select bloat_percent from monitoring.bloat_estimates where object_name = 'monitoring_test.shrunk'), '>', 70::numeric,
              'after deleting 80% of its rows the estimate sees about 80% bloat');
update monitoring.alert_thresholds set minimum_sample = 1048576 where check_name in ('table_bloat', 'index_bloat');
select is((select severity from monitoring.bloat_estimates where object_name = 'monitoring_test.shrunk'), 'warning',
          'above the (lowered) minimum size, 70-80% bloat is a warning');
select cmp_ok((select bloat_percent from monitoring.bloat_estimates where object_name = 'monitoring_test.shrunk_pkey'), '>', 50::numeric,
              'its primary key index is estimated bloated too');

select * from finish();
rollback;
