-- Revert platform:monitoring/index_usage_analysis from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.index_usage_analysis';
drop view monitoring.index_usage_analysis;
drop function monitoring.index_usage_rows();

commit;
