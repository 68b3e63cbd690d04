-- Revert platform:monitoring/settings_review from pg

begin;

delete from monitoring.finding_sources where source_view = 'monitoring.settings_review';
drop view monitoring.settings_review;

commit;
