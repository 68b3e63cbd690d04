-- Revert platform:analytics/performance_metrics from pg

begin;

delete from base.partition_config where parent_table = 'analytics.performance_metrics';
drop table analytics.performance_metrics;

commit;
