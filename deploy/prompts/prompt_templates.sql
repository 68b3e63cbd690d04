-- Deploy platform:prompts/prompt_templates to pg
-- A prompt template is the stable identity that callers name (by id) and people search for:
-- name, category, description. What a template says (its text, variables and model parameters)
-- lives in immutable versions (prompts/prompt_template_versions), so editing a template means
-- adding a version, and an execution always knows exactly which text it ran.
--
-- Full-text search reads one stored generated tsvector per template, GIN-indexed:
--   * name (weight A), category and description (B), and the active version's text (C), so a
--     query such as "review security" matches a template named "Code review" whose text
--     mentions security (separate vectors per table could not AND across them);
--   * the active version's id, number and text are kept on the template row by the versions'
--     triggers (active_version_id, active_version, active_template_text), a cache nobody else
--     may write (55000);
--   * a tenant token, 'org' followed by the organization id's hex digits (weight D), so that a
--     search ANDs the caller's organizations into the GIN lookup: the index then returns only
--     the caller's matches instead of every tenant's, which RLS would discard afterwards.

begin;

create function prompts.organization_search_token(p_organization_id uuid)
returns text
language sql
immutable
strict
parallel safe
as $$ select 'org' || replace(p_organization_id::text, '-', '') $$;
comment on function prompts.organization_search_token(uuid) is
  'The lexeme that marks a template''s organization in its search vector: org followed by the 32 hex digits of the id.';
revoke execute on function prompts.organization_search_token(uuid) from public;
grant execute on function prompts.organization_search_token(uuid) to authenticated, service_role;

create table prompts.prompt_templates (
  organization_id       uuid        not null,
  id                    uuid        not null default base.uuid_generate_v7(),
  name                  text        not null,
  category              text        not null default 'general',
  description           text,
  is_archived           boolean     not null default false,
  active_version_id     uuid,
  active_version        integer,
  active_template_text  text,
  created_by            uuid                 default base.current_user_id(),
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  search_vector         tsvector    not null generated always as (
                          setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
                          || setweight(to_tsvector('english'::regconfig, replace(coalesce(category, ''), '_', ' ')), 'B')
                          || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
                          || setweight(to_tsvector('english'::regconfig, coalesce(active_template_text, '')), 'C')
                          || setweight(to_tsvector('simple'::regconfig, prompts.organization_search_token(organization_id)), 'D')) stored,
  constraint prompt_templates_pkey primary key (organization_id, id),
  constraint prompt_templates_organization_id_name_key unique (organization_id, name),
  constraint prompt_templates_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint prompt_templates_created_by_fkey foreign key (created_by)
    references base.users (id) on delete set null,
  constraint prompt_templates_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint prompt_templates_category_check check (category ~ '^[a-z][a-z0-9_]{0,62}$'),
  constraint prompt_templates_description_check check (length(description) <= 4000),
  constraint prompt_templates_active_version_check
    check (num_nonnulls(active_version_id, active_version, active_template_text) in (0, 3))
);

-- The API takes a bare template id (render_prompt(template_id, ...)); ids are UUIDv7 and
-- globally unique, so this serves those lookups for callers (services) whose policy adds no
-- organization_id condition to reach the primary key with.
create index prompt_templates_id_idx on prompts.prompt_templates (id);
create index prompt_templates_created_by_idx on prompts.prompt_templates (created_by) where created_by is not null;
create index prompt_templates_search_vector_idx on prompts.prompt_templates using gin (search_vector);
create index prompt_templates_organization_id_category_idx on prompts.prompt_templates (organization_id, category);

comment on table prompts.prompt_templates is
  'Prompt templates: the stable, searchable identity (name, category, description). Text, variables and model parameters are in immutable prompts.prompt_template_versions; one version is active.';
comment on column prompts.prompt_templates.name is 'Unique within the organization; 1-200 characters without surrounding spaces.';
comment on column prompts.prompt_templates.category is 'Free classification as a lowercase identifier (code_review, summarization, ...).';
comment on column prompts.prompt_templates.is_archived is 'Hidden from search when true; its versions and executions stay.';
comment on column prompts.prompt_templates.active_version_id is 'Cache of the active version''s id, kept by the versions'' triggers (no one else may write it); NULL when no version is active.';
comment on column prompts.prompt_templates.active_version is 'Cache of the active version''s number, kept by the versions'' triggers.';
comment on column prompts.prompt_templates.active_template_text is 'Cache of the active version''s text, kept by the versions'' triggers so that search_vector covers it.';
comment on column prompts.prompt_templates.created_by is 'The user who created the template (JWT subject), NULL for services.';
comment on column prompts.prompt_templates.search_vector is
  'Generated: name (weight A), category and description (B), active text (C), English configuration; plus the organization token (D, prompts.organization_search_token). Read by prompts.search_templates().';

-- The active-version cache is written by the versions' triggers only (they run one trigger
-- level deeper than the statement that fires this one).
create function prompts.tg_prompt_templates__guard_active_version()
returns trigger
language plpgsql
volatile
as $$
begin
  if (tg_op = 'INSERT' and num_nonnulls(new.active_version_id, new.active_version, new.active_template_text) > 0)
     or (tg_op = 'UPDATE' and pg_trigger_depth() < 2
         and (new.active_version_id, new.active_version, new.active_template_text)
             is distinct from (old.active_version_id, old.active_version, old.active_template_text)) then
    raise exception 'the active version of prompt template % is maintained by its versions', new.id
      using errcode = '55000', hint = 'Insert a version, or set is_active on one, instead.';
  end if;
  return new;
end
$$;
comment on function prompts.tg_prompt_templates__guard_active_version() is
  'BEFORE INSERT OR UPDATE on prompt_templates: refuses (55000) writes of the active-version cache except from the versions'' triggers.';
revoke execute on function prompts.tg_prompt_templates__guard_active_version() from public;

create trigger _200_guard_active_version
  before insert or update on prompts.prompt_templates
  for each row execute function prompts.tg_prompt_templates__guard_active_version();

create trigger _100_set_updated_at
  before update on prompts.prompt_templates
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.prompt_templates'); end $$;

alter table prompts.prompt_templates enable row level security;

create policy select_viewer on prompts.prompt_templates
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_templates is 'Every member of the organization reads its templates.';

create policy insert_member on prompts.prompt_templates
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.prompt_templates is 'Members (and up) create templates.';

create policy update_member on prompts.prompt_templates
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.prompt_templates is 'Members (and up) rename, describe and archive templates.';

create policy delete_admin on prompts.prompt_templates
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on prompts.prompt_templates is
  'Admins and owners delete templates; a template with executions cannot be deleted (their versions are referenced): archive it instead.';

create policy all_service_role on prompts.prompt_templates
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_templates is 'Trusted services manage every template.';

grant select, delete on prompts.prompt_templates to authenticated;
grant insert (organization_id, id, name, category, description, is_archived) on prompts.prompt_templates to authenticated;
grant update (name, category, description, is_archived) on prompts.prompt_templates to authenticated;
grant select, insert, update, delete on prompts.prompt_templates to service_role;

commit;
