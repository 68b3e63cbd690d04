-- Revert platform:analytics/report_shape_pointer from pg

begin;

set local lock_timeout = '5s';

comment on function analytics.record_analysis_run(uuid, uuid, jsonb) is
  'Records a complete analysis run from one JSON report (shape in the deploy script and the README): run, files, code-element trees, issues (carried over by fingerprint), metrics, performance, final status. Returns the run id. Runs as the caller under RLS. 42501 not a member, 22023 malformed report, P0002 unknown repository, 23514 out-of-range values.';

commit;
