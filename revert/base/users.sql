-- Revert platform:base/users from pg

begin;

drop table base.users;

commit;
