-- Revert platform:base/tenant_locks from pg

begin;

drop function internal.serialize_tenant(uuid, text);
drop table internal.tenant_locks;

commit;
