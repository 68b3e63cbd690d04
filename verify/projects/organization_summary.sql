-- Verify platform:projects/organization_summary on pg

begin;

select organization_id, organization_name, project_count, planning_count, active_count,
       on_hold_count, completed_count, archived_count, cancelled_count, overdue_count,
       next_target_date, repository_count, last_analyzed_at, team_member_count, project_lead_count
  from projects.organization_summary
 where false;

select 1 / (c.reloptions @> array['security_invoker=true'])::int
  from pg_catalog.pg_class as c
 where c.oid = 'projects.organization_summary'::regclass;

rollback;
