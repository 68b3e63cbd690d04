-- Revert platform:monitoring/finding_sources from pg

begin;

drop function monitoring.collect_findings(text, text);
drop table monitoring.finding_sources;

commit;
