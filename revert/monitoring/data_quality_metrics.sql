-- Revert platform:monitoring/data_quality_metrics from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.data_quality_metrics';
drop view monitoring.data_quality_metrics;
drop function monitoring.data_quality_rows();
drop function monitoring.column_statistics();

commit;
