-- Revert platform:prompts/model_catalog from pg

begin;

drop trigger _900_audit_delete on prompts.model_prices;
drop trigger _900_audit_update on prompts.model_prices;
drop trigger _900_audit_insert on prompts.model_prices;
drop table prompts.model_prices;
drop table prompts.models;

commit;
