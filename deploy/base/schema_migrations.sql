-- Deploy platform:base/schema_migrations to pg
-- The original design reads its migration history from schema_migrations. Sqitch keeps that
-- history in its registry (schema sqitch); this view presents it, one row per deployed change,
-- with the tag the change was released under.

begin;

create view base.schema_migrations as
select c.change                   as change_name,
       c.change_id,
       c.project,
       (select t.tag
          from sqitch.tags as t
          join sqitch.changes as tc on tc.change_id = t.change_id
         where tc.project = c.project and tc.committed_at >= c.committed_at
         order by tc.committed_at
         limit 1)                 as tag,
       c.note,
       c.committed_at             as deployed_at,
       c.committer_name           as deployed_by,
       c.committer_email          as deployed_by_email,
       c.planned_at,
       c.planner_name             as planned_by
  from sqitch.changes as c;

comment on view base.schema_migrations is
  'Deployed changes read from the Sqitch registry (schema sqitch): name, release tag (the first tag at or after the change), who deployed it and when. Order by deployed_at.';

grant select on base.schema_migrations to service_role;

commit;
