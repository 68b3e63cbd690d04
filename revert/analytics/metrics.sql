-- Revert platform:analytics/metrics from pg

begin;

delete from base.partition_config where parent_table = 'analytics.metrics';
drop table analytics.metrics;

commit;
