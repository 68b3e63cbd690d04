-- Revert platform:projects/repositories from pg

begin;

drop table projects.repositories;
drop function projects.validate_analysis_config(jsonb);
drop function projects.is_valid_branch_name(text);

commit;
