-- Verify platform:monitoring/wraparound_details on pg

begin;

select 1 / (pg_catalog.pg_get_viewdef('monitoring.system_health'::regclass) like '%100.0 * (db.xid_age)::numeric%')::integer;
select 1 / (pg_catalog.pg_get_viewdef('monitoring.table_access_patterns'::regclass) like '%100.0 * (t_1.xid_age)::numeric%')::integer;
-- Every health check answers, ok or not.
select 1 / (count(*) = 11)::int from monitoring.system_health;

rollback;
