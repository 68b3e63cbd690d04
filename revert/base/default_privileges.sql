-- Revert platform:base/default_privileges from pg

begin;

alter default privileges grant execute on functions to public;

commit;
