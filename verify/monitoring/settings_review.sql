-- Verify platform:monitoring/settings_review on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action,
       current_value, source, is_default
  from monitoring.settings_review
 where false;

select 1 / count(*) from monitoring.settings_review where object_name = 'fsync';
select 1 / count(*) from monitoring.settings_review where check_name = 'risky_grant' and object_name like 'TEMPORARY on database %';

rollback;
