-- Revert platform:monitoring/slow_query_analysis from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.slow_query_analysis';
drop view monitoring.slow_query_analysis;
drop function monitoring.slow_queries(integer);

commit;
