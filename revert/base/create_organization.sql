-- Revert platform:base/create_organization from pg

begin;

drop function base.create_organization(text, text, text);
drop function internal.create_organization(text, text, text);

commit;
