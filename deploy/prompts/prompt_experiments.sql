-- Deploy platform:prompts/prompt_experiments to pg
-- An A/B experiment on one template: the thing its variations (prompts/prompt_variations)
-- belong to, that pick_variation() hashes subjects by, and that experiment_results reports on.
-- The issue lists the variations' "experiment they belong to"; a table (instead of a free text
-- label) gives it a name, an owner template that every variation must share (composite
-- foreign key), and a row to hang results on.

begin;

create table prompts.prompt_experiments (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  template_id      uuid        not null,
  name             text        not null,
  description      text,
  created_by       uuid                 default base.current_user_id(),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint prompt_experiments_pkey primary key (organization_id, id),
  constraint prompt_experiments_organization_id_name_key unique (organization_id, name),
  -- Target of the variations' foreign key: every variation is of the experiment's template.
  constraint prompt_experiments_organization_id_id_template_id_key unique (organization_id, id, template_id),
  constraint prompt_experiments_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint prompt_experiments_organization_id_template_id_fkey foreign key (organization_id, template_id)
    references prompts.prompt_templates (organization_id, id) on delete cascade,
  constraint prompt_experiments_created_by_fkey foreign key (created_by)
    references base.users (id) on delete set null,
  constraint prompt_experiments_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint prompt_experiments_description_check check (length(description) <= 4000)
);

create index prompt_experiments_organization_id_template_id_idx
  on prompts.prompt_experiments (organization_id, template_id);
create index prompt_experiments_created_by_idx
  on prompts.prompt_experiments (created_by) where created_by is not null;

comment on table prompts.prompt_experiments is
  'A/B experiments on a prompt template. Variations (prompts.prompt_variations) pin versions of that template with weights; pick_variation() assigns subjects; experiment_results reports the leader.';
comment on column prompts.prompt_experiments.name is 'Unique within the organization.';
comment on column prompts.prompt_experiments.template_id is 'The template under test; every variation pins one of its versions.';

create trigger _100_set_updated_at
  before update on prompts.prompt_experiments
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.prompt_experiments'); end $$;

alter table prompts.prompt_experiments enable row level security;

create policy select_viewer on prompts.prompt_experiments
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_experiments is 'Every member of the organization sees its experiments.';

create policy insert_member on prompts.prompt_experiments
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.prompt_experiments is 'Members (and up) start experiments.';

create policy update_member on prompts.prompt_experiments
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.prompt_experiments is 'Members (and up) rename and describe experiments.';

create policy delete_admin on prompts.prompt_experiments
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on prompts.prompt_experiments is 'Admins and owners delete experiments that have no executions.';

create policy all_service_role on prompts.prompt_experiments
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_experiments is 'Trusted services manage every experiment.';

grant select, delete on prompts.prompt_experiments to authenticated;
grant insert (organization_id, id, template_id, name, description) on prompts.prompt_experiments to authenticated;
grant update (name, description) on prompts.prompt_experiments to authenticated;
grant select, insert, update, delete on prompts.prompt_experiments to service_role;

commit;
