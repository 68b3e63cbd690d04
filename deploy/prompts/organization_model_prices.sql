-- Deploy platform:prompts/organization_model_prices to pg
-- Negotiated prices: an organization may have its own price history for a model (a volume
-- discount, a private deployment). When it has one in effect at an execution's time, that price
-- wins over the catalog's. prompts.model_price_at() and prompts.execution_cost() are the one place
-- where this rule lives; the executions trigger calls them, so a cost is never typed in by hand.

-- Naming: constraint and index names that would pass PostgreSQL's 63-byte limit leave out the
-- leading organization_id (e.g. <table>_template_version_id_fkey for the composite key).
begin;

create table prompts.organization_model_prices (
  organization_id        uuid          not null,
  id                     uuid          not null default base.uuid_generate_v7(),
  model                  text          not null,
  effective_from         timestamptz   not null,
  input_price_per_mtok   numeric(12,6) not null,
  output_price_per_mtok  numeric(12,6) not null,
  note                   text,
  created_at             timestamptz   not null default now(),
  updated_at             timestamptz   not null default now(),
  constraint organization_model_prices_pkey primary key (organization_id, id),
  constraint organization_model_prices_model_effective_from_key
    unique (organization_id, model, effective_from),
  constraint organization_model_prices_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint organization_model_prices_model_fkey foreign key (model)
    references prompts.models (name) on delete cascade,
  constraint organization_model_prices_input_price_per_mtok_check check (input_price_per_mtok >= 0),
  constraint organization_model_prices_output_price_per_mtok_check check (output_price_per_mtok >= 0),
  constraint organization_model_prices_note_check check (length(note) <= 1000)
);

create index organization_model_prices_model_idx on prompts.organization_model_prices (model);

comment on table prompts.organization_model_prices is
  'Organization-specific price history of a model (USD per million tokens). In effect from effective_from; overrides prompts.model_prices for that organization.';
comment on column prompts.organization_model_prices.effective_from is 'First instant this price applies to the organization''s executions.';
comment on column prompts.organization_model_prices.note is 'Why this price (contract, discount); free text up to 1000 characters.';

create trigger _100_set_updated_at
  before update on prompts.organization_model_prices
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.organization_model_prices'); end $$;

alter table prompts.organization_model_prices enable row level security;

create policy select_viewer on prompts.organization_model_prices
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.organization_model_prices is
  'Every member sees the prices their organization''s costs are computed with.';

create policy insert_admin on prompts.organization_model_prices
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy insert_admin on prompts.organization_model_prices is 'Prices are settings: admins and owners add them.';

create policy update_admin on prompts.organization_model_prices
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_admin on prompts.organization_model_prices is 'Admins and owners correct prices.';

create policy delete_admin on prompts.organization_model_prices
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on prompts.organization_model_prices is 'Admins and owners remove prices.';

create policy all_service_role on prompts.organization_model_prices
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.organization_model_prices is 'Trusted services manage every organization''s prices.';

grant select, delete on prompts.organization_model_prices to authenticated;
grant insert (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok, note)
  on prompts.organization_model_prices to authenticated;
grant update (effective_from, input_price_per_mtok, output_price_per_mtok, note)
  on prompts.organization_model_prices to authenticated;
grant select, insert, update, delete on prompts.organization_model_prices to service_role;

-- The price in effect for an organization, a model and an instant: the organization's own
-- price history when it has an entry in effect, the catalog's otherwise. Invoker rights: the
-- caller sees their organization's prices (select_viewer) and the public catalog.
-- PL/pgSQL rather than SQL: it runs once per execution row (from the executions trigger), and
-- PL/pgSQL keeps its two index lookups planned, where a non-inlined SQL function is planned
-- again on every call.
create function prompts.model_price_at(p_organization_id uuid, p_model text, p_at timestamptz,
  out input_price_per_mtok numeric, out output_price_per_mtok numeric, out price_source text)
returns record
language plpgsql
stable
as $$
begin
  if length(p_model) > 128 then
    raise exception 'a model name is at most 128 characters (got %)', length(p_model) using errcode = '22023';
  end if;
  select o.input_price_per_mtok, o.output_price_per_mtok, 'organization'
    into input_price_per_mtok, output_price_per_mtok, price_source
    from prompts.organization_model_prices as o
   where o.organization_id = p_organization_id and o.model = p_model and o.effective_from <= p_at
   order by o.effective_from desc
   limit 1;
  if found then
    return;
  end if;
  select c.input_price_per_mtok, c.output_price_per_mtok, 'catalog'
    into input_price_per_mtok, output_price_per_mtok, price_source
    from prompts.model_prices as c
   where c.model = p_model and c.effective_from <= p_at
   order by c.effective_from desc
   limit 1;
end
$$;
comment on function prompts.model_price_at(uuid, text, timestamptz) is
  'Price in effect for an organization, model and instant: the organization''s own latest price with effective_from <= p_at, else the catalog''s. NULLs when the model has no price yet.';

-- Cost of one execution in USD, rounded to 1e-8 (the precision of prompt_executions.cost_usd).
create function prompts.execution_cost(p_organization_id uuid, p_model text, p_at timestamptz,
                                       p_input_tokens integer, p_output_tokens integer)
returns numeric
language plpgsql
stable
as $$
declare
  v_price record;
begin
  select * into v_price from prompts.model_price_at(p_organization_id, p_model, p_at);
  if v_price.input_price_per_mtok is null then
    raise exception 'model "%" has no price in effect at %', p_model, p_at
      using errcode = '55000',
            hint = 'Add a row to prompts.model_prices (or prompts.organization_model_prices) with effective_from at or before that time.';
  end if;
  return round((coalesce(p_input_tokens, 0) * v_price.input_price_per_mtok
              + coalesce(p_output_tokens, 0) * v_price.output_price_per_mtok) / 1000000, 8);
end
$$;
comment on function prompts.execution_cost(uuid, text, timestamptz, integer, integer) is
  'USD cost of input and output tokens of a model at an instant for an organization (prompts.model_price_at), rounded to 8 decimals. 55000 when no price is in effect.';

revoke execute on function prompts.model_price_at(uuid, text, timestamptz) from public;
revoke execute on function prompts.execution_cost(uuid, text, timestamptz, integer, integer) from public;
grant execute on function prompts.model_price_at(uuid, text, timestamptz) to authenticated, service_role;
grant execute on function prompts.execution_cost(uuid, text, timestamptz, integer, integer) to authenticated, service_role;

commit;
