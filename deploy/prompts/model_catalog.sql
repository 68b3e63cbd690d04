-- Deploy platform:prompts/model_catalog to pg
-- The global catalog of language models and their list prices. Not tenant-owned (like
-- base.users): one row per model for the whole platform, maintained by trusted services, readable
-- by every signed-in user. Under Citus these become reference tables.
--
--   * prompts.models: the model name is the natural key (it is what providers' APIs take and
--     what executions record), so it is the primary key; its limits (max_output_tokens,
--     max_temperature) validate the model parameters of every template version.
--   * prompts.model_prices: a price history, not a single price: a price applies from
--     effective_from until the next one, so the cost of an old execution can be recomputed
--     exactly as it was charged. Prices are USD per million tokens.

begin;

create table prompts.models (
  name               text         not null,
  provider           text         not null,
  context_window     integer      not null,
  max_output_tokens  integer      not null,
  max_temperature    numeric(3,2) not null default 2,
  description        text,
  is_active          boolean      not null default true,
  created_at         timestamptz  not null default now(),
  updated_at         timestamptz  not null default now(),
  constraint models_pkey primary key (name),
  constraint models_name_check check (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$'),
  constraint models_provider_check check (length(provider) between 1 and 100),
  constraint models_context_window_check check (context_window > 0),
  constraint models_max_output_tokens_check check (max_output_tokens > 0 and max_output_tokens <= context_window),
  constraint models_max_temperature_check check (max_temperature between 0 and 2),
  constraint models_description_check check (length(description) <= 2000)
);

comment on table prompts.models is
  'Global catalog of language models (not tenant-owned). Template versions and executions name a model from here; its limits validate model parameters.';
comment on column prompts.models.name is 'The model identifier as the provider''s API takes it (e.g. gpt-4o-mini); the natural primary key.';
comment on column prompts.models.context_window is 'Maximum prompt plus completion tokens the model accepts.';
comment on column prompts.models.max_output_tokens is 'Upper bound for max_tokens of a template version using this model.';
comment on column prompts.models.max_temperature is 'Upper bound for temperature (some providers stop at 1).';
comment on column prompts.models.is_active is 'False once retired: new template versions may not use it; old versions and executions keep it.';

create trigger _100_set_updated_at
  before update on prompts.models
  for each row execute function base.tg__set_updated_at();

create table prompts.model_prices (
  id                     uuid          not null default base.uuid_generate_v7(),
  model                  text          not null,
  effective_from         timestamptz   not null,
  input_price_per_mtok   numeric(12,6) not null,
  output_price_per_mtok  numeric(12,6) not null,
  created_at             timestamptz   not null default now(),
  updated_at             timestamptz   not null default now(),
  constraint model_prices_pkey primary key (id),
  constraint model_prices_model_effective_from_key unique (model, effective_from),
  constraint model_prices_model_fkey foreign key (model)
    references prompts.models (name) on delete cascade,
  constraint model_prices_input_price_per_mtok_check check (input_price_per_mtok >= 0),
  constraint model_prices_output_price_per_mtok_check check (output_price_per_mtok >= 0)
);

comment on table prompts.model_prices is
  'List price history of each model in USD per million tokens; a price applies from effective_from until the next row of the same model. Organization overrides live in prompts.organization_model_prices.';
comment on column prompts.model_prices.effective_from is 'First instant this price applies to (executions are priced at their started_at).';
comment on column prompts.model_prices.input_price_per_mtok is 'USD per 1,000,000 prompt (input) tokens.';
comment on column prompts.model_prices.output_price_per_mtok is 'USD per 1,000,000 completion (output) tokens.';

create trigger _100_set_updated_at
  before update on prompts.model_prices
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.model_prices'); end $$;

-- RLS: everyone signed in reads the catalog; only trusted services write it.
alter table prompts.models enable row level security;
alter table prompts.model_prices enable row level security;

create policy select_authenticated on prompts.models
  for select to authenticated using (true);
comment on policy select_authenticated on prompts.models is 'The model catalog is public to every signed-in user.';
create policy all_service_role on prompts.models
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.models is 'Trusted services maintain the model catalog.';

create policy select_authenticated on prompts.model_prices
  for select to authenticated using (true);
comment on policy select_authenticated on prompts.model_prices is 'List prices are public to every signed-in user.';
create policy all_service_role on prompts.model_prices
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.model_prices is 'Trusted services maintain the list prices.';

grant select on prompts.models, prompts.model_prices to authenticated;
grant select, insert, update, delete on prompts.models, prompts.model_prices to service_role;

commit;
