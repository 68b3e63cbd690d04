-- Verify platform:prompts/model_catalog on pg

begin;

select name, provider, context_window, max_output_tokens, max_temperature, description, is_active,
       created_at, updated_at
  from prompts.models
 where false;

select id, model, effective_from, input_price_per_mtok, output_price_per_mtok, created_at, updated_at
  from prompts.model_prices
 where false;

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_class
 where oid in ('prompts.models'::regclass, 'prompts.model_prices'::regclass) and relrowsecurity;

rollback;
