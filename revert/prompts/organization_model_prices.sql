-- Revert platform:prompts/organization_model_prices from pg

begin;

drop function prompts.execution_cost(uuid, text, timestamptz, integer, integer);
drop function prompts.model_price_at(uuid, text, timestamptz);
drop trigger _900_audit_delete on prompts.organization_model_prices;
drop trigger _900_audit_update on prompts.organization_model_prices;
drop trigger _900_audit_insert on prompts.organization_model_prices;
drop table prompts.organization_model_prices;

commit;
