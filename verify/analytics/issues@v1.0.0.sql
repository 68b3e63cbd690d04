-- Verify platform:analytics/issues on pg

begin;

select organization_id, id, repository_id, fingerprint, tool, rule_id, severity, type, file_path,
       line, message, status, first_seen_run_id, last_seen_run_id, resolved_run_id, first_seen_at,
       last_seen_at, resolved_at, created_at, updated_at
  from analytics.issues
 where false;

select 1 / (analytics.allowed_issue_transitions('resolved') = array['open'])::int;

rollback;
