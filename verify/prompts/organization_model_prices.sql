-- Verify platform:prompts/organization_model_prices on pg

begin;

select organization_id, id, model, effective_from, input_price_per_mtok, output_price_per_mtok,
       note, created_at, updated_at
  from prompts.organization_model_prices
 where false;

select 'prompts.model_price_at(uuid, text, timestamptz)'::regprocedure;
select 'prompts.execution_cost(uuid, text, timestamptz, integer, integer)'::regprocedure;

rollback;
