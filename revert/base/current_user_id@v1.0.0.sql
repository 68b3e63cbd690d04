-- Revert platform:base/current_user_id from pg

begin;

drop function base.current_user_email();
drop function base.current_user_id();

commit;
