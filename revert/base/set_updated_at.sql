-- Revert platform:base/set_updated_at from pg

begin;

drop function base.tg__set_updated_at();

commit;
