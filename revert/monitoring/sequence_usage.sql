-- Revert platform:monitoring/sequence_usage from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.sequence_usage';
drop view monitoring.sequence_usage;
drop function monitoring.sequence_status();

commit;
