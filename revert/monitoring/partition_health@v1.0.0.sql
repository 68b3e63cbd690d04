-- Revert platform:monitoring/partition_health from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.partition_health';
drop view monitoring.partition_health;
drop function monitoring.partition_status();

commit;
