-- Verify platform:monitoring/table_access_patterns on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, findings,
       schema_name, table_name, table_size_bytes, indexes_size_bytes, seq_scan, seq_tup_read, idx_scan,
       seq_scan_ratio, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, hot_update_ratio, n_live_tup,
       n_dead_tup, dead_tuple_ratio, n_mod_since_analyze, last_vacuum, last_analyze, vacuum_count,
       analyze_count, xid_age, autovacuum_disabled
  from monitoring.table_access_patterns
 where false;

select category, check_name, object_name, severity, value, details, recommended_action, schema_name, table_name
  from monitoring.table_findings
 where false;

rollback;
