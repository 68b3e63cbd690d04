-- Revert platform:monitoring/system_health from pg

begin;

delete from monitoring.finding_sources
 where source_view in ('monitoring.system_health', 'monitoring.database_resource_utilization');
drop view monitoring.database_resource_utilization;
drop view monitoring.system_health;
drop function monitoring.checkpoint_counts();

commit;
