-- Verify platform:monitoring/base_integrity_checks on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.base_integrity_checks
 where false;

select 1 / count(*) from monitoring.base_integrity_checks where check_name = 'organization_without_owner';

-- The reworked form: an anti-join (Citus runs it), not the correlated NOT EXISTS of v1.0.0.
select 1 / (pg_catalog.strpos(pg_catalog.pg_get_viewdef('monitoring.base_integrity_checks'::regclass), 'owned.organization_id IS NULL') > 0)::int;

rollback;
