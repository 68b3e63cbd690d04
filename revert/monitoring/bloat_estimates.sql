-- Revert platform:monitoring/bloat_estimates from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.bloat_estimates';
drop view monitoring.bloat_estimates;
drop function monitoring.estimate_bloat(numeric);

commit;
