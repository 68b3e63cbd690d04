-- Revert platform:monitoring/schema from pg
-- Drops the schema. platform_monitor stays: roles are cluster-wide and may serve other
-- databases of the cluster; a later deploy finds it and leaves it as it is.

begin;

drop schema monitoring;

commit;
