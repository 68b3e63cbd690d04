-- Revert platform:analytics/repository_quality_overview from pg

begin;

drop view analytics.repository_quality_overview;

commit;
