-- Revert platform:base/audit_log from pg

begin;

drop function base.enable_audit(regclass);
drop function internal.tg__audit_delete();
drop function internal.tg__audit_update();
drop function internal.tg__audit_insert();
drop function internal.write_audit_entries(text, text, text, jsonb[], jsonb[]);
delete from base.partition_config where parent_table = 'base.audit_log';
drop table base.audit_log;

commit;
