-- Revert platform:base/refuse_oversized from pg

begin;

drop function base.refuse_oversized(text, bigint, bigint);

commit;
