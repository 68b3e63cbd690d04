-- Verify platform:monitoring/bloat_estimates on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, relation_kind,
       schema_name, table_name, index_name, real_size_bytes, expected_size_bytes, bloat_bytes,
       bloat_percent, fillfactor, is_reliable
  from monitoring.bloat_estimates
 where false;

select 1 / (p.prosecdef)::int from pg_catalog.pg_proc as p
 where p.oid = 'monitoring.estimate_bloat(numeric)'::regprocedure;

rollback;
