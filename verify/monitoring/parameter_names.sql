-- Verify platform:monitoring/parameter_names on pg

begin;

select 1 / count(*) from pg_catalog.pg_views
 where schemaname = 'monitoring' and viewname = 'partition_health'
   and definition like '%premake => 3, retention => null%';

rollback;
