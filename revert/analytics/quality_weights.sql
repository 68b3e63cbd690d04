-- Revert platform:analytics/quality_weights from pg

begin;

drop table analytics.quality_score_weights;
drop table analytics.issue_severity_weights;

commit;
