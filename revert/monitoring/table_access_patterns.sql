-- Revert platform:monitoring/table_access_patterns from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.table_findings';
drop view monitoring.table_findings;
drop view monitoring.table_access_patterns;

commit;
