-- Revert platform:base/uuid_generate_v7 from pg

begin;

drop function base.uuid_v7_timestamp(uuid);
drop function base.uuid_generate_v7();

commit;
