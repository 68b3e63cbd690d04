-- Deploy platform:prompts/prompt_variations to pg
-- The arms of an A/B experiment: each pins a version of the experiment's template (composite
-- foreign keys make a variation of another template, or of another tenant, impossible), with a
-- weight and an active window. pick_variation() spreads subjects over the variations active at
-- the time in proportion to their weights.

-- Naming: constraint and index names that would pass PostgreSQL's 63-byte limit leave out the
-- leading organization_id (e.g. <table>_template_version_id_fkey for the composite key).
begin;

create table prompts.prompt_variations (
  organization_id      uuid        not null,
  id                   uuid        not null default base.uuid_generate_v7(),
  experiment_id        uuid        not null,
  template_id          uuid        not null,
  template_version_id  uuid        not null,
  name                 text        not null,
  description          text,
  weight               integer     not null default 1,
  starts_at            timestamptz not null default now(),
  ends_at              timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint prompt_variations_pkey primary key (organization_id, id),
  constraint prompt_variations_organization_id_experiment_id_name_key unique (organization_id, experiment_id, name),
  -- Target of the executions' foreign key: an execution of a variation runs the variation's version.
  constraint prompt_variations_organization_id_id_template_version_id_key
    unique (organization_id, id, template_version_id),
  constraint prompt_variations_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint prompt_variations_experiment_id_template_id_fkey
    foreign key (organization_id, experiment_id, template_id)
    references prompts.prompt_experiments (organization_id, id, template_id) on delete cascade,
  constraint prompt_variations_template_version_id_fkey
    foreign key (organization_id, template_id, template_version_id)
    references prompts.prompt_template_versions (organization_id, template_id, id) on delete cascade,
  constraint prompt_variations_name_check check (length(name) between 1 and 100 and name = btrim(name)),
  constraint prompt_variations_description_check check (length(description) <= 2000),
  constraint prompt_variations_weight_check check (weight between 0 and 1000000),
  constraint prompt_variations_ends_at_check check (ends_at > starts_at)
);

-- Leads with experiment_id: pick_variation() looks variations up by the bare experiment id.
create index prompt_variations_experiment_id_organization_id_template_id_idx
  on prompts.prompt_variations (experiment_id, organization_id, template_id);
create index prompt_variations_template_version_id_idx
  on prompts.prompt_variations (organization_id, template_id, template_version_id);

comment on table prompts.prompt_variations is
  'Arms of an A/B experiment: a version of the experiment''s template, a weight and an active window [starts_at, ends_at).';
comment on column prompts.prompt_variations.template_version_id is 'The version this arm runs; a version of the experiment''s template (composite foreign key). Fixed once created.';
comment on column prompts.prompt_variations.weight is 'Relative share of subjects among the variations active at the time (0 pauses the arm; at most 1,000,000).';
comment on column prompts.prompt_variations.starts_at is 'The arm takes subjects from this instant.';
comment on column prompts.prompt_variations.ends_at is 'The arm takes no subjects from this instant on; NULL for open-ended.';

create trigger _100_set_updated_at
  before update on prompts.prompt_variations
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.prompt_variations'); end $$;

alter table prompts.prompt_variations enable row level security;

create policy select_viewer on prompts.prompt_variations
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_variations is 'Every member of the organization sees the variations.';

create policy insert_member on prompts.prompt_variations
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.prompt_variations is 'Members (and up) add variations.';

create policy update_member on prompts.prompt_variations
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.prompt_variations is 'Members (and up) change weights and windows.';

create policy delete_admin on prompts.prompt_variations
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on prompts.prompt_variations is 'Admins and owners delete variations that have no executions (end them otherwise).';

create policy all_service_role on prompts.prompt_variations
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_variations is 'Trusted services manage every variation.';

grant select, delete on prompts.prompt_variations to authenticated;
grant insert (organization_id, id, experiment_id, template_id, template_version_id, name, description,
              weight, starts_at, ends_at)
  on prompts.prompt_variations to authenticated;
grant update (name, description, weight, starts_at, ends_at) on prompts.prompt_variations to authenticated;
grant select, insert, update, delete on prompts.prompt_variations to service_role;

commit;
