-- Revert platform:base/users from pg

begin;

drop table base.users;
drop function internal.tg_users__email_from_claim();

commit;
