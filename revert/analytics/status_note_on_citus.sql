-- Revert platform:analytics/status_note_on_citus from pg
-- The previous definition, as the catalog prints it.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION analytics.set_issue_status(organization_id uuid, issue_id uuid, new_status text, note text DEFAULT NULL::text)
 RETURNS analytics.issues
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_issue analytics.issues;
begin
  if new_status is null or length(new_status) > 64
     or not exists (select from base.status_transitions as t
                     where t.machine = 'analytics.issues.status'
                       and new_status in (t.from_status, t.to_status)) then
    raise exception 'unknown issue status %', coalesce(quote_literal(left(new_status, 64)), 'NULL')
      using errcode = '22023', hint = 'Allowed: open, confirmed, resolved, false_positive, wont_fix.';
  end if;
  if length(note) > 2000 then
    raise exception 'a status note is limited to 2000 characters (got %)', length(note)
      using errcode = '22023';
  end if;
  if base.current_user_id() is not null
     and not base.has_organization_role(set_issue_status.organization_id, 'member') then
    raise exception 'only members of organization % may triage its issues', set_issue_status.organization_id
      using errcode = '42501';
  end if;

  perform set_config('analytics.status_note', coalesce(note, ''), true);
  update analytics.issues as i
     set status = new_status
   where i.organization_id = set_issue_status.organization_id
     and i.id = set_issue_status.issue_id
  returning i.* into v_issue;
  perform set_config('analytics.status_note', '', true);

  if v_issue.id is null then
    raise exception 'issue % not found in organization %', issue_id, organization_id
      using errcode = 'P0002';
  end if;
  return v_issue;
end
$function$;

commit;
