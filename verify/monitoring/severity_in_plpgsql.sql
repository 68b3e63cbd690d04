-- Verify platform:monitoring/severity_in_plpgsql on pg

begin;

select 1 / (count(*) = 4)::integer
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_language as l on l.oid = p.prolang
 where p.oid = any (array['monitoring.severity(monitoring.alert_thresholds, numeric, numeric)',
                          'monitoring.severity_rank(text)', 'monitoring.worst_severity(text[])',
                          'monitoring.classify(text, numeric, numeric)']::regprocedure[])
   and l.lanname = 'plpgsql';
select 1 / (monitoring.worst_severity('ok', 'critical', 'info') = 'critical')::integer;

rollback;
