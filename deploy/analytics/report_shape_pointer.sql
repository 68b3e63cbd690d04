-- Deploy platform:analytics/report_shape_pointer to pg
-- The comment of analytics.record_analysis_run sent readers to the README for the report shape;
-- the README is a front door now and the shape is on the module's page, docs/analytics.md.

begin;

set local lock_timeout = '5s';

comment on function analytics.record_analysis_run(uuid, uuid, jsonb) is
  'Records a complete analysis run from one JSON report (shape in docs/analytics.md and the deploy script): run, files, code-element trees, issues (carried over by fingerprint), metrics, performance, final status. Returns the run id. Runs as the caller under RLS. 42501 not a member, 22023 malformed report, P0002 unknown repository, 23514 out-of-range values.';

commit;
