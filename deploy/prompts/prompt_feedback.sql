-- Deploy platform:prompts/prompt_feedback to pg
-- How well an execution worked, in the eyes of one user: a 1-5 rating or a thumbs up/down,
-- with an optional comment. One feedback per user per execution (unique), editable by its
-- author.
--   * execution_id is a soft reference: executions are partitioned and retired by retention,
--     and a foreign key into them would make DETACH PARTITION fail (see prompt_executions).
--     A BEFORE INSERT trigger checks that the execution exists in the same organization (23503
--     otherwise) and copies its template version, which is a real foreign key, so feedback
--     stays attributable to a version after the execution's partition is gone.

-- Naming: constraint and index names that would pass PostgreSQL's 63-byte limit leave out the
-- leading organization_id (e.g. <table>_template_version_id_fkey for the composite key).
begin;

create table prompts.prompt_feedback (
  organization_id      uuid        not null,
  id                   uuid        not null default base.uuid_generate_v7(),
  execution_id         uuid        not null,
  template_id          uuid        not null,
  template_version_id  uuid        not null,
  user_id              uuid        not null default base.current_user_id(),
  rating               smallint,
  thumbs_up            boolean,
  comment              text,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint prompt_feedback_pkey primary key (organization_id, id),
  constraint prompt_feedback_organization_id_execution_id_user_id_key unique (organization_id, execution_id, user_id),
  constraint prompt_feedback_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint prompt_feedback_template_version_id_fkey
    foreign key (organization_id, template_id, template_version_id)
    references prompts.prompt_template_versions (organization_id, template_id, id) on delete cascade,
  constraint prompt_feedback_user_id_fkey foreign key (user_id)
    references base.users (id) on delete cascade,
  constraint prompt_feedback_rating_check check (rating between 1 and 5),
  -- Exactly one of the two scales.
  constraint prompt_feedback_rating_thumbs_up_check check (num_nonnulls(rating, thumbs_up) = 1),
  constraint prompt_feedback_comment_check check (length(comment) <= 4000)
);

create index prompt_feedback_template_version_id_idx
  on prompts.prompt_feedback (organization_id, template_id, template_version_id);
create index prompt_feedback_user_id_idx on prompts.prompt_feedback (user_id);

comment on table prompts.prompt_feedback is
  'Feedback on an execution: a 1-5 rating or thumbs up/down, and a comment; one per user per execution.';
comment on column prompts.prompt_feedback.execution_id is
  'Soft reference to prompts.prompt_executions (partitioned, retired by retention); checked to exist in the same organization on insert.';
comment on column prompts.prompt_feedback.template_version_id is 'Copied from the execution on insert (any value given is replaced).';
comment on column prompts.prompt_feedback.user_id is 'Who gave it: the calling user (JWT subject).';
comment on column prompts.prompt_feedback.rating is '1 (bad) to 5 (excellent); NULL when thumbs_up is given.';
comment on column prompts.prompt_feedback.thumbs_up is 'true = thumbs up, false = thumbs down; NULL when rating is given.';

create trigger _100_set_updated_at
  before update on prompts.prompt_feedback
  for each row execute function base.tg__set_updated_at();

-- SECURITY INVOKER: a BEFORE ROW trigger runs before the row's RLS check, so it reads the
-- execution as the caller, under RLS. An execution of another organization is "not found" (23503)
-- exactly like one that does not exist (a definer version answered 42501 or 23503 depending on
-- whether another tenant's execution id existed). Members read their organization's executions.
create function prompts.tg_prompt_feedback__link_execution()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  select e.template_id, e.template_version_id into new.template_id, new.template_version_id
    from prompts.prompt_executions as e
   where e.organization_id = new.organization_id and e.id = new.execution_id;
  if not found then
    raise exception 'prompt execution % not found in organization %', new.execution_id, new.organization_id
      using errcode = '23503', hint = 'Feedback refers to an execution of the same organization.';
  end if;
  return new;
end
$$;
comment on function prompts.tg_prompt_feedback__link_execution() is
  'BEFORE INSERT on prompt_feedback: the execution must exist in the same organization and be readable by the caller (23503 otherwise, the same answer whether or not another tenant has it); copies its template and version. SECURITY INVOKER.';
revoke execute on function prompts.tg_prompt_feedback__link_execution() from public;

create trigger _200_link_execution
  before insert on prompts.prompt_feedback
  for each row execute function prompts.tg_prompt_feedback__link_execution();

alter table prompts.prompt_feedback enable row level security;

create policy select_viewer on prompts.prompt_feedback
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_feedback is 'Every member of the organization reads its feedback.';

create policy insert_member_self on prompts.prompt_feedback
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[])
              and user_id = (select base.current_user_id()));
comment on policy insert_member_self on prompts.prompt_feedback is 'Members (and up) give feedback in their own name.';

create policy update_self on prompts.prompt_feedback
  for update to authenticated
  using (user_id = (select base.current_user_id())
         and organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (user_id = (select base.current_user_id())
              and organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_self on prompts.prompt_feedback is 'Authors (still members) change their own rating and comment.';

create policy delete_self_or_admin on prompts.prompt_feedback
  for delete to authenticated
  using (user_id = (select base.current_user_id())
         or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_self_or_admin on prompts.prompt_feedback is 'Authors withdraw their feedback; admins and owners moderate.';

create policy all_service_role on prompts.prompt_feedback
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_feedback is 'Trusted services manage every feedback.';

grant select, delete on prompts.prompt_feedback to authenticated;
grant insert (organization_id, id, execution_id, rating, thumbs_up, comment) on prompts.prompt_feedback to authenticated;
grant update (rating, thumbs_up, comment) on prompts.prompt_feedback to authenticated;
grant select, insert, update, delete on prompts.prompt_feedback to service_role;

commit;
