-- Revert platform:monitoring/critical_alerts from pg

begin;

drop view monitoring.database_health_summary;
drop view monitoring.performance_optimization_recommendations;
drop view monitoring.maintenance_recommendations;
drop view monitoring.critical_alerts;

commit;
