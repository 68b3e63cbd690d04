-- Deploy platform:projects/status_note_on_citus to pg
-- projects.transition_project hands its note to the status history trigger with internal.set_status_note
-- (base/status_note_setting), which reaches the Citus workers where the trigger runs. With
-- set_config(..., true) the note never reached them: on Citus projects.project_status_history.note
-- was always NULL, silently. On one node the same set_config as before runs.
-- (The definition as the catalog prints it, with the two calls changed.)

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION projects.transition_project(organization_id uuid, project_id uuid, new_status text, note text DEFAULT NULL::text)
 RETURNS projects.projects
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_project projects.projects;
  v_allowed text;
begin
  if new_status is null or length(new_status) > 64
     or not exists (select from base.status_transitions as t
                     where t.machine = 'projects.projects.status'
                       and new_status in (t.from_status, t.to_status)) then
    raise exception 'unknown project status %', coalesce(quote_literal(left(new_status, 64)), 'NULL')
      using errcode = '22023',
            hint = 'Allowed: planning, active, on_hold, completed, archived, cancelled.';
  end if;
  if length(note) > 2000 then
    raise exception 'a status note is limited to 2000 characters (got %)', length(note)
      using errcode = '22023';
  end if;
  if base.current_user_id() is not null
     and not base.has_organization_role(transition_project.organization_id, 'member') then
    raise exception 'only a lead of project % or an admin of its organization may change its status',
                    transition_project.project_id
      using errcode = '42501';
  end if;

  select p.* into v_project
    from projects.projects as p
   where p.organization_id = transition_project.organization_id
     and p.id = transition_project.project_id
     for update;
  if not found then
    raise exception 'project % not found in organization %',
                    transition_project.project_id, transition_project.organization_id
      using errcode = 'P0002';
  end if;

  -- Staying in the same state is not a transition: the trigger's message, raised here.
  if v_project.status = new_status then
    select string_agg(t.to_status, ', ' order by t.to_status) into v_allowed
      from base.status_transitions as t
     where t.machine = 'projects.projects.status' and t.from_status = new_status;
    raise exception 'invalid status transition for projects.projects.status: "%" -> "%"', new_status, new_status
      using errcode = '55000',
            detail = format('allowed from "%s": %s', new_status, coalesce(v_allowed, 'none (final state)')),
            hint = 'The allowed transitions are the rows of base.status_transitions where machine = ''projects.projects.status''.';
  end if;

  perform internal.set_status_note('projects.status_note', note);
  update projects.projects as p
     set status = new_status
   where p.organization_id = transition_project.organization_id
     and p.id = transition_project.project_id
  returning p.* into v_project;
  perform internal.set_status_note('projects.status_note', '');

  return v_project;
end
$function$;

commit;
