-- Deploy platform:analytics/schema to pg
-- The analytics module: what code-analysis tools report about repositories (runs, per-file
-- results, code elements, metrics, issues) and what the platform derives from it (quality
-- scores, trends).

begin;

create schema analytics;
comment on schema analytics is
  'Code analysis: runs, file and code-element results, metrics, performance metrics, code issues with their history, trends and quality scores. Tenant-owned: every row carries organization_id.';
revoke all on schema analytics from public;
grant usage on schema analytics to authenticated, service_role;

commit;
