-- Revert platform:analytics/metric_trends from pg

begin;

drop function analytics.refresh_metric_trends(uuid, uuid, timestamptz);
drop function internal.refresh_metric_trends(uuid, uuid, timestamptz);
drop table analytics.metric_trends;

commit;
