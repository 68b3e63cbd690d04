-- Revert platform:base/append_only from pg

begin;

drop function base.enable_append_only(regclass);
drop function internal.tg__append_only();

commit;
