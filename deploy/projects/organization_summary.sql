-- Deploy platform:projects/organization_summary to pg
-- Cross-project analytics per organization: projects by status, repositories, people on
-- project teams, overdue targets. One row per organization the caller can see.
-- Each figure is a LATERAL aggregate over an index on (organization_id, ...), so the cost grows
-- with one organization's rows, not the table's.
-- security_invoker = true (PostgreSQL 15+): base.organizations' RLS limits the rows to the
-- caller's organizations and every table's RLS applies to the counts.

begin;

create view projects.organization_summary
with (security_invoker = true)
as
select o.id   as organization_id,
       o.name as organization_name,
       ps.project_count,
       ps.planning_count,
       ps.active_count,
       ps.on_hold_count,
       ps.completed_count,
       ps.archived_count,
       ps.cancelled_count,
       ps.overdue_count,
       ps.next_target_date,
       rs.repository_count,
       rs.last_analyzed_at,
       ms.team_member_count,
       ms.project_lead_count
  from base.organizations as o
 cross join lateral (
       select count(*)                                              as project_count,
              count(*) filter (where p.status = 'planning')         as planning_count,
              count(*) filter (where p.status = 'active')           as active_count,
              count(*) filter (where p.status = 'on_hold')          as on_hold_count,
              count(*) filter (where p.status = 'completed')        as completed_count,
              count(*) filter (where p.status = 'archived')         as archived_count,
              count(*) filter (where p.status = 'cancelled')        as cancelled_count,
              count(*) filter (where p.status in ('planning', 'active', 'on_hold')
                                 and p.target_date < current_date)  as overdue_count,
              min(p.target_date) filter (where p.status in ('planning', 'active', 'on_hold')
                                           and p.target_date >= current_date) as next_target_date
         from projects.projects as p
        where p.organization_id = o.id and p.deleted_at is null) as ps
 cross join lateral (
       select count(*) as repository_count, max(r.last_analyzed_at) as last_analyzed_at
         from projects.repositories as r
        where r.organization_id = o.id) as rs
 cross join lateral (
       select count(distinct pm.user_id)                            as team_member_count,
              count(distinct pm.user_id) filter (where pm.role = 'lead') as project_lead_count
         from projects.project_members as pm
         join projects.projects as p
           on p.organization_id = pm.organization_id and p.id = pm.project_id and p.deleted_at is null
        where pm.organization_id = o.id) as ms;

comment on view projects.organization_summary is
  'Per organization: live projects by status, overdue projects (open with target_date before today), the next open target date, repositories and their latest analysis, distinct people on live project teams and leads. security_invoker: RLS of the caller applies.';
comment on column projects.organization_summary.overdue_count is 'Live projects in planning, active or on_hold whose target_date is before today.';
comment on column projects.organization_summary.team_member_count is 'Distinct users on the teams of live projects.';

grant select on projects.organization_summary to authenticated, service_role;

commit;
