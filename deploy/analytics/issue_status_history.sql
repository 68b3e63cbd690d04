-- Deploy platform:analytics/issue_status_history to pg
-- The resolution history of code issues: every status an issue has been in, why (detected,
-- auto_resolved, reopened, manual), by which run or which person. Written only by trigger;
-- read-only for API roles. analytics.set_issue_status() is the triage entry point with a note.

begin;

create table analytics.issue_status_history (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  issue_id         uuid        not null,
  from_status      text,
  to_status        text        not null,
  reason           text        not null,
  run_id           uuid,
  changed_by       uuid,
  note             text,
  changed_at       timestamptz not null default now(),
  constraint issue_status_history_pkey primary key (organization_id, id),
  constraint issue_status_history_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint issue_status_history_organization_id_issue_id_fkey foreign key (organization_id, issue_id)
    references analytics.issues (organization_id, id) on delete cascade,
  constraint issue_status_history_from_status_check
    check (from_status in ('open', 'confirmed', 'resolved', 'false_positive', 'wont_fix')),
  constraint issue_status_history_to_status_check
    check (to_status in ('open', 'confirmed', 'resolved', 'false_positive', 'wont_fix')),
  constraint issue_status_history_reason_check check (reason in ('detected', 'auto_resolved', 'reopened', 'manual')),
  constraint issue_status_history_note_check check (length(note) <= 2000)
);

create index issue_status_history_organization_id_issue_id_idx
  on analytics.issue_status_history (organization_id, issue_id, changed_at);

comment on table analytics.issue_status_history is
  'Status history of code issues: detection, automatic resolution, reopening and manual triage, with the run or person responsible. Written by trigger only.';
comment on column analytics.issue_status_history.from_status is 'Status before; NULL for the detection row.';
comment on column analytics.issue_status_history.reason is
  'detected (first reported), auto_resolved (a successful run of its tool no longer saw it), reopened (seen again while resolved), manual (a person or service changed it).';
comment on column analytics.issue_status_history.run_id is 'The run behind an automatic change (soft reference: history outlives runs).';
comment on column analytics.issue_status_history.changed_by is 'JWT subject behind a manual change; NULL for services. Soft reference.';
comment on column analytics.issue_status_history.note is 'The note given to analytics.set_issue_status().';

create function internal.tg_issues__record_status()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_reason text;
  v_run    uuid;
begin
  if tg_op = 'INSERT' then
    v_reason := 'detected'; v_run := new.first_seen_run_id;
  elsif new.status = 'resolved' and new.resolved_run_id is not null
        and new.resolved_run_id is distinct from old.resolved_run_id then
    v_reason := 'auto_resolved'; v_run := new.resolved_run_id;
  elsif old.status = 'resolved' and new.status = 'open'
        and new.last_seen_run_id is distinct from old.last_seen_run_id then
    v_reason := 'reopened'; v_run := new.last_seen_run_id;
  else
    v_reason := 'manual';
  end if;

  insert into analytics.issue_status_history
    (organization_id, issue_id, from_status, to_status, reason, run_id, changed_by, note)
  values (new.organization_id, new.id, case when tg_op = 'UPDATE' then old.status end, new.status,
          v_reason, v_run, base.current_user_id(),
          nullif(current_setting('analytics.status_note', true), ''));
  return null;
end
$$;

comment on function internal.tg_issues__record_status() is
  'AFTER INSERT/UPDATE on analytics.issues when the status changed: appends to issue_status_history with the reason (detected, auto_resolved, reopened, manual), the run, the caller and the transaction-local note analytics.status_note.';
revoke execute on function internal.tg_issues__record_status() from public;

create trigger _800_record_status_insert
  after insert on analytics.issues
  for each row execute function internal.tg_issues__record_status();
-- Not "update of status": a reopening is made by the BEFORE trigger when a run re-reports the
-- issue, and the statement's SET list then does not name status.
create trigger _800_record_status_update
  after update on analytics.issues
  for each row when (old.status is distinct from new.status)
  execute function internal.tg_issues__record_status();

create function analytics.set_issue_status(
  organization_id uuid,
  issue_id        uuid,
  new_status      text,
  note            text default null)
returns analytics.issues
language plpgsql
volatile
as $$
declare
  v_issue analytics.issues;
begin
  if new_status is null or analytics.allowed_issue_transitions(new_status) is null then
    raise exception 'unknown issue status %', coalesce(quote_literal(new_status), 'NULL')
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
$$;

comment on function analytics.set_issue_status(uuid, uuid, text, text) is
  'Triage: moves a code issue to new_status (validated by trigger, 55000 naming the allowed states) and records the note in issue_status_history. Runs as the caller under RLS. 22023 unknown status or long note, 42501 not a member, P0002 unknown issue.';
revoke execute on function analytics.set_issue_status(uuid, uuid, text, text) from public;
grant execute on function analytics.set_issue_status(uuid, uuid, text, text) to authenticated, service_role;

alter table analytics.issue_status_history enable row level security;

create policy select_viewer on analytics.issue_status_history
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.issue_status_history is 'Every member of the organization reads issue history.';

create policy all_service_role on analytics.issue_status_history
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.issue_status_history is 'Trusted services read every organization''s history; SELECT is their only grant (the history is append-only).';

grant select on analytics.issue_status_history to authenticated;
grant select on analytics.issue_status_history to service_role;

-- Append-only for every role, the owner included (base/append_only); deleting the issue or the
-- organization still deletes its history (ON DELETE CASCADE).
do $$ begin perform base.enable_append_only('analytics.issue_status_history'); end $$;

commit;
