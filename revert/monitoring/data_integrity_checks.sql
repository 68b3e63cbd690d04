-- Revert platform:monitoring/data_integrity_checks from pg

begin;

drop view monitoring.data_integrity_checks;

commit;
