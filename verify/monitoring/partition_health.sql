-- Verify platform:monitoring/partition_health on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.partition_health
 where false;

-- base.audit_log is maintained from the start: its checks are present.
select 1 / count(*) from monitoring.partition_health
 where object_name = 'base.audit_log' and check_name = 'future_partitions_ready';

-- The reworked count (Citus plans it on a distributed table), not v1.0.0's zero-column select.
select 1 / (pg_catalog.strpos(p.prosrc, 'select 1 from %s limit 100000') > 0)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'monitoring.partition_status()'::regprocedure;

rollback;
