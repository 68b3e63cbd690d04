-- Revert platform:base/organizations from pg

begin;

drop table base.organizations;

commit;
