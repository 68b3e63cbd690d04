-- Revert platform:monitoring/base_integrity_checks from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.base_integrity_checks';
drop view monitoring.base_integrity_checks;

commit;
