-- Verify platform:monitoring/finding_sources on pg

begin;

select source_view, area, is_enabled, description, created_at, updated_at
  from monitoring.finding_sources
 where false;

select source_view, area, category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.collect_findings('health', 'critical')
 where false;

rollback;
