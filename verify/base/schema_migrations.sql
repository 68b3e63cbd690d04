-- Verify platform:base/schema_migrations on pg

begin;

select change_name, change_id, project, tag, note, deployed_at, deployed_by, deployed_by_email,
       planned_at, planned_by
  from base.schema_migrations
 where false;

rollback;
