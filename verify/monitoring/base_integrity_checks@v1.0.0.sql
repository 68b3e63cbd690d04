-- Verify platform:monitoring/base_integrity_checks on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.base_integrity_checks
 where false;

select 1 / count(*) from monitoring.base_integrity_checks where check_name = 'organization_without_owner';

rollback;
