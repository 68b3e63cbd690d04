-- Revert platform:tasks/recover_expired_leases from pg

begin;

drop function tasks.recover_expired_leases();

commit;
