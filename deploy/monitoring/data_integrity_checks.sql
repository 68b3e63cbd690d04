-- Deploy platform:monitoring/data_integrity_checks to pg
-- Every integrity check of the package in one place: the rows of every source registered in
-- monitoring.finding_sources with area 'integrity' (partition_health, base_integrity_checks,
-- and whatever the modules register: orphans, invariants), ok rows included.

begin;

create view monitoring.data_integrity_checks as
select f.category, f.check_name, f.object_name, f.severity, f.value, f.details, f.recommended_action,
       f.source_view
  from monitoring.collect_findings('integrity', 'ok') as f;

comment on view monitoring.data_integrity_checks is
  'All integrity checks (ok rows included) of the sources registered with area integrity: DEFAULT partition rows, missing future partitions, retention, organizations without owner, RLS off, disabled triggers, NOT VALID constraints, and module checks registered later.';

grant select on monitoring.data_integrity_checks to platform_monitor, service_role;

commit;
