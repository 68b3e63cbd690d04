-- Revert platform:base/roles_and_schemas from pg
-- Drops the two schemas. The API roles stay: they are cluster-wide, shared by every database
-- in the cluster (and owned by the platform on Supabase), so one database's revert must not
-- remove them. A later deploy finds them and leaves them as they are.

begin;

drop schema internal;
drop schema base;

commit;
