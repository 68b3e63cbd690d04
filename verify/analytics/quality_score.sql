-- Verify platform:analytics/quality_score on pg

begin;

-- An unknown repository has no run: NULL, as documented.
select 1 / (analytics.calculate_quality_score(base.uuid_generate_v7()) is null)::int;
select 'analytics.explain_quality_score(uuid)'::regprocedure;

rollback;
