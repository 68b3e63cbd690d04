-- Revert platform:analytics/quality_score from pg

begin;

drop function analytics.calculate_quality_score(uuid);
drop function analytics.explain_quality_score(uuid);
drop function analytics.quality_score_components(uuid, uuid);

commit;
