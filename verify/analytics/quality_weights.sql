-- Verify platform:analytics/quality_weights on pg

begin;

select severity, weight, description, created_at, updated_at from analytics.issue_severity_weights where false;
select component, weight, full_at, zero_at, description, created_at, updated_at from analytics.quality_score_weights where false;

select 1 / (count(*) = 5)::int from analytics.issue_severity_weights;
select 1 / (count(*) = 4)::int from analytics.quality_score_weights;

rollback;
