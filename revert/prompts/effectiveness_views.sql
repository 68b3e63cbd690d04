-- Revert platform:prompts/effectiveness_views from pg

begin;

drop view prompts.experiment_results;
drop view prompts.template_version_effectiveness;

commit;
