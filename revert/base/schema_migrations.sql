-- Revert platform:base/schema_migrations from pg

begin;

drop view base.schema_migrations;

commit;
