-- Deploy platform:prompts/prompt_template_versions to pg
-- What a template says: its text, declared variables and model parameters, as immutable
-- versions numbered 1, 2, 3... per template.
--   * Immutable: a version never changes once written (55000). Only is_active may flip, which
--     is how a version is activated or withdrawn. Executions reference (organization_id,
--     template_id, version id), so what ran is always known, however the template evolved.
--   * One active version per template (partial unique index). Inserting a version (active by
--     default) or setting is_active = true on one deactivates the previous active version in
--     the same statement; versioning in an organization is serialised first
--     (internal.serialize_tenant, scope prompt_template_versions), so concurrent edits wait under
--     READ COMMITTED instead of failing on the index, and fail with 40001 under REPEATABLE READ
--     and SERIALIZABLE instead of numbering from an old snapshot: version numbers have no gaps or
--     duplicates at every isolation level.
--   * An AFTER trigger copies the active version's id, number and text onto the template
--     (prompt_templates.active_*), which its search vector covers.
--   * Validated when written: the text and the variable declarations (prompts.validate_template,
--     22023 naming the placeholder or variable), the generic parameter ranges (check
--     constraints, 23514), and the model's own limits from prompts.models (22023).
--   * Deleted only with their template or organization (cascade); a template whose versions
--     are referenced by executions cannot be deleted.

-- Naming: constraint and index names that would pass PostgreSQL's 63-byte limit leave out the
-- leading organization_id (e.g. <table>_template_version_id_fkey for the composite key).
begin;

create table prompts.prompt_template_versions (
  organization_id    uuid          not null,
  id                 uuid          not null default base.uuid_generate_v7(),
  template_id        uuid          not null,
  version            integer       not null,
  template_text      text          not null,
  variables          jsonb         not null default '[]',
  model              text          not null,
  temperature        numeric(3,2)  not null default 0.7,
  max_tokens         integer       not null default 1024,
  top_p              numeric(3,2),
  frequency_penalty  numeric(3,2),
  presence_penalty   numeric(3,2),
  stop_sequences     text[]        not null default '{}',
  change_note        text,
  is_active          boolean       not null default true,
  created_by         uuid                   default base.current_user_id(),
  created_at         timestamptz   not null default now(),
  constraint prompt_template_versions_pkey primary key (organization_id, id),
  constraint prompt_template_versions_template_id_version_key
    unique (organization_id, template_id, version),
  -- Target of the executions' composite foreign key: a version of exactly this template.
  constraint prompt_template_versions_organization_id_template_id_id_key
    unique (organization_id, template_id, id),
  constraint prompt_template_versions_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint prompt_template_versions_organization_id_template_id_fkey foreign key (organization_id, template_id)
    references prompts.prompt_templates (organization_id, id) on delete cascade,
  constraint prompt_template_versions_model_fkey foreign key (model)
    references prompts.models (name) on delete restrict,
  constraint prompt_template_versions_created_by_fkey foreign key (created_by)
    references base.users (id) on delete set null,
  constraint prompt_template_versions_version_check check (version > 0),
  constraint prompt_template_versions_template_text_check check (length(template_text) between 1 and 100000),
  constraint prompt_template_versions_variables_check
    check (jsonb_typeof(variables) = 'array' and pg_column_size(variables) <= 65536),
  constraint prompt_template_versions_temperature_check check (temperature between 0 and 2),
  constraint prompt_template_versions_max_tokens_check check (max_tokens > 0),
  constraint prompt_template_versions_top_p_check check (top_p > 0 and top_p <= 1),
  constraint prompt_template_versions_frequency_penalty_check check (frequency_penalty between -2 and 2),
  constraint prompt_template_versions_presence_penalty_check check (presence_penalty between -2 and 2),
  constraint prompt_template_versions_stop_sequences_check
    check (cardinality(stop_sequences) <= 4 and array_position(stop_sequences, null) is null),
  constraint prompt_template_versions_change_note_check check (length(change_note) <= 2000)
);

-- One active version per template: the rule, and render_prompt's lookup.
create unique index prompt_template_versions_one_active_key
  on prompts.prompt_template_versions (organization_id, template_id) where is_active;
-- render_prompt(template_id) and render_template_version(id) look up by bare ids.
create index prompt_template_versions_template_id_idx
  on prompts.prompt_template_versions (template_id) where is_active;
create index prompt_template_versions_id_idx on prompts.prompt_template_versions (id);
create index prompt_template_versions_model_idx on prompts.prompt_template_versions (model);
create index prompt_template_versions_created_by_idx
  on prompts.prompt_template_versions (created_by) where created_by is not null;

comment on table prompts.prompt_template_versions is
  'Immutable versions of a prompt template: text with {{placeholders}}, declared variables and model parameters. Only is_active changes (55000 otherwise); one active version per template.';
comment on column prompts.prompt_template_versions.version is 'Assigned on insert: 1 + the highest version of the template (any value given is replaced).';
comment on column prompts.prompt_template_versions.template_text is 'The prompt, with {{name}} placeholders; validated against variables when the version is created.';
comment on column prompts.prompt_template_versions.variables is
  'Declared variables: a JSON array of {"name", "type" (string|number|integer|boolean|array|object), "required" (default true), "default" (optional variables only, required for them), "description"}.';
comment on column prompts.prompt_template_versions.model is 'Model from prompts.models; must be active when the version is created.';
comment on column prompts.prompt_template_versions.temperature is 'Sampling temperature, 0 to 2 and at most the model''s max_temperature.';
comment on column prompts.prompt_template_versions.max_tokens is 'Completion token limit, positive and at most the model''s max_output_tokens.';
comment on column prompts.prompt_template_versions.top_p is 'Nucleus sampling, in (0, 1]; NULL leaves the provider default.';
comment on column prompts.prompt_template_versions.frequency_penalty is 'Between -2 and 2; NULL leaves the provider default.';
comment on column prompts.prompt_template_versions.presence_penalty is 'Between -2 and 2; NULL leaves the provider default.';
comment on column prompts.prompt_template_versions.stop_sequences is 'Up to 4 stop sequences.';
comment on column prompts.prompt_template_versions.change_note is 'What changed compared with the previous version.';
comment on column prompts.prompt_template_versions.is_active is 'The version render_prompt uses. At most one per template; the only column that may change.';

-- The rule for triggers on a table with RLS: a BEFORE ROW trigger runs before the row's RLS
-- check, so it runs as the caller (SECURITY INVOKER: it sees only rows the caller may read, and a
-- refused write reveals nothing about rows of another organization); what must cross RLS runs in
-- an AFTER trigger (fired only once RLS accepted the row) or in a definer helper that answers
-- only about the caller.

-- Serializes versioning in an organization: numbering and the active hand-over. A definer helper
-- because internal.serialize_tenant is not granted to API roles (an API role holding another
-- organization's lock could stall it): it answers only whether the caller may add versions in
-- this organization (false: nothing is locked, and the row's RLS check refuses the write with its
-- usual 42501), and if so takes the organization's 'prompt_template_versions' lock. Under READ
-- COMMITTED a second session waits here, then numbers after the first; under REPEATABLE READ and
-- SERIALIZABLE it fails with 40001 instead of numbering from an old snapshot.
create function internal.prompts_serialize_template_versions(p_organization_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
begin
  if not pg_catalog.pg_has_role(v_role, 'service_role', 'USAGE')
     and not base.has_organization_role(p_organization_id, 'member') then
    return false;
  end if;
  perform internal.serialize_tenant(p_organization_id, 'prompt_template_versions');
  return true;
end
$$;
comment on function internal.prompts_serialize_template_versions(uuid) is
  'For the prompt_template_versions triggers: false when the caller is neither service_role nor a member (and up) of the organization (the same answer whatever exists there; the row''s RLS check then refuses the write); otherwise true, after serializing the organization''s versioning until the transaction ends (internal.serialize_tenant: waits under READ COMMITTED, 40001 under REPEATABLE READ and SERIALIZABLE).';
revoke execute on function internal.prompts_serialize_template_versions(uuid) from public;
grant execute on function internal.prompts_serialize_template_versions(uuid) to authenticated, service_role;

-- BEFORE INSERT: validate, number, and withdraw the previous active version, as the caller.
create function prompts.tg_prompt_template_versions__before_insert()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_model prompts.models;
begin
  -- An insert that is going to fail on its primary key (for example a seed re-run with ON
  -- CONFLICT DO NOTHING) must not deactivate anything on its way; it takes the existing row's
  -- number so that it reaches the conflict instead of a NOT NULL error.
  select v.version into new.version
    from prompts.prompt_template_versions as v
   where v.organization_id = new.organization_id and v.id = new.id;
  if found then
    return new;
  end if;

  perform prompts.validate_template(new.template_text, new.variables);

  select * into v_model from prompts.models as m where m.name = new.model;
  if found then
    if not v_model.is_active then
      raise exception 'model "%" is retired; choose an active model from prompts.models', new.model
        using errcode = '22023';
    end if;
    if new.max_tokens > v_model.max_output_tokens then
      raise exception 'max_tokens % exceeds the limit of model "%" (%)', new.max_tokens, new.model, v_model.max_output_tokens
        using errcode = '22023';
    end if;
    if new.temperature > v_model.max_temperature then
      raise exception 'temperature % exceeds the limit of model "%" (%)', new.temperature, new.model, v_model.max_temperature
        using errcode = '22023';
    end if;
  end if;  -- an unknown model fails on prompt_template_versions_model_fkey (23503)

  -- Serialise versioning in this organization. A caller who may not add versions there locks
  -- and changes nothing: the row's RLS check refuses it (42501).
  if not internal.prompts_serialize_template_versions(new.organization_id) then
    new.version := 1;
    return new;
  end if;

  perform from prompts.prompt_templates as t
    where t.organization_id = new.organization_id and t.id = new.template_id;
  if not found then
    new.version := 1;  -- any number: the foreign key reports the missing template
    return new;
  end if;

  select coalesce(max(v.version), 0) + 1 into new.version
    from prompts.prompt_template_versions as v
   where v.organization_id = new.organization_id and v.template_id = new.template_id;

  -- The previous active version steps down first (one active version per template: unique
  -- index); _300_sync_template then records the new one on the template.
  if new.is_active then
    update prompts.prompt_template_versions as v
       set is_active = false
     where v.organization_id = new.organization_id and v.template_id = new.template_id and v.is_active;
  end if;
  return new;
end
$$;
comment on function prompts.tg_prompt_template_versions__before_insert() is
  'BEFORE INSERT on prompt_template_versions, as the caller: validates text, variables and model limits (22023), serializes the organization''s versioning (a non-member changes nothing and is refused by RLS; 40001 under REPEATABLE READ or SERIALIZABLE when another session versioned meanwhile), assigns the next version number and, when the new version is active, deactivates the previous one.';
revoke execute on function prompts.tg_prompt_template_versions__before_insert() from public;

create trigger _200_before_insert
  before insert on prompts.prompt_template_versions
  for each row execute function prompts.tg_prompt_template_versions__before_insert();

-- BEFORE UPDATE: immutability, and the active hand-over when a version is (re)activated, as the
-- caller (who can only reach rows RLS lets them update).
create function prompts.tg_prompt_template_versions__immutable()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  -- Everything but is_active.
  if (to_jsonb(new) - 'is_active') is distinct from (to_jsonb(old) - 'is_active') then
    raise exception 'prompt template version % is immutable: only is_active may change', old.id
      using errcode = '55000', hint = 'Insert a new version of the template instead.';
  end if;
  if new.is_active and not old.is_active then
    if not internal.prompts_serialize_template_versions(new.organization_id) then
      return new;  -- not a member: RLS refuses the update (it cannot get this far in practice)
    end if;
    update prompts.prompt_template_versions as v
       set is_active = false
     where v.organization_id = new.organization_id and v.template_id = new.template_id
       and v.is_active and v.id <> new.id;
  end if;
  return new;
end
$$;
comment on function prompts.tg_prompt_template_versions__immutable() is
  'BEFORE UPDATE on prompt_template_versions, as the caller: refuses any change but is_active (55000); activating a version serializes the organization''s versioning and deactivates the template''s other active version (_300_sync_template records the change on the template).';
revoke execute on function prompts.tg_prompt_template_versions__immutable() from public;

create trigger _200_immutable
  before update on prompts.prompt_template_versions
  for each row execute function prompts.tg_prompt_template_versions__immutable();

-- AFTER INSERT/UPDATE OF is_active: the template's cache of its active version. SECURITY DEFINER
-- (the cache columns are granted to no API role), and safe as an AFTER trigger: it fires only for
-- a row the caller's RLS accepted.
create function prompts.tg_prompt_template_versions__sync_template()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.is_active then
    update prompts.prompt_templates as t
       set active_version_id = new.id, active_version = new.version, active_template_text = new.template_text
     where t.organization_id = new.organization_id and t.id = new.template_id;
  elsif tg_op = 'UPDATE' and old.is_active then
    update prompts.prompt_templates as t
       set active_version_id = null, active_version = null, active_template_text = null
     where t.organization_id = new.organization_id and t.id = new.template_id and t.active_version_id = new.id;
  end if;
  return null;
end
$$;
comment on function prompts.tg_prompt_template_versions__sync_template() is
  'AFTER INSERT or UPDATE OF is_active on prompt_template_versions: records an activated version on its template (active_version_id, active_version, active_template_text), or clears that record when the active version is withdrawn.';
revoke execute on function prompts.tg_prompt_template_versions__sync_template() from public;

create trigger _300_sync_template
  after insert or update of is_active on prompts.prompt_template_versions
  for each row execute function prompts.tg_prompt_template_versions__sync_template();

-- BEFORE DELETE: only as part of deleting the template or the organization. As the caller: API
-- users have no DELETE on versions; service_role reads everything, and a cascade runs as the
-- table owner.
create function prompts.tg_prompt_template_versions__refuse_delete()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select from prompts.prompt_templates as t
              where t.organization_id = old.organization_id and t.id = old.template_id)
     and exists (select from base.organizations as o where o.id = old.organization_id) then
    raise exception 'prompt template version % is immutable and cannot be deleted', old.id
      using errcode = '55000',
            hint = 'Set is_active = false to withdraw it, or delete the whole template (not possible once it has executions).';
  end if;
  return old;
end
$$;
comment on function prompts.tg_prompt_template_versions__refuse_delete() is
  'BEFORE DELETE on prompt_template_versions, as the caller: refuses (55000) unless the template or the organization is being deleted (cascade).';
revoke execute on function prompts.tg_prompt_template_versions__refuse_delete() from public;

create trigger _200_refuse_delete
  before delete on prompts.prompt_template_versions
  for each row execute function prompts.tg_prompt_template_versions__refuse_delete();

do $$ begin perform base.enable_audit('prompts.prompt_template_versions'); end $$;

alter table prompts.prompt_template_versions enable row level security;

create policy select_viewer on prompts.prompt_template_versions
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_template_versions is 'Every member of the organization reads every version.';

create policy insert_member on prompts.prompt_template_versions
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.prompt_template_versions is 'Members (and up) edit templates, that is, add versions.';

create policy update_member on prompts.prompt_template_versions
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.prompt_template_versions is 'Members (and up) activate or withdraw a version (is_active is the only updatable column).';

create policy all_service_role on prompts.prompt_template_versions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_template_versions is 'Trusted services manage every version (still immutable by trigger).';

-- No DELETE for users: versions go only with their template.
grant select on prompts.prompt_template_versions to authenticated;
grant insert (organization_id, id, template_id, template_text, variables, model, temperature, max_tokens,
              top_p, frequency_penalty, presence_penalty, stop_sequences, change_note, is_active)
  on prompts.prompt_template_versions to authenticated;
grant update (is_active) on prompts.prompt_template_versions to authenticated;
grant select, insert, update, delete on prompts.prompt_template_versions to service_role;

commit;
