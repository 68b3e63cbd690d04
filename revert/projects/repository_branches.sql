-- Revert platform:projects/repository_branches from pg

begin;

drop function projects.set_default_branch(uuid, uuid, text);
drop trigger _500_check_default_branch on projects.repositories;
drop table projects.repository_branches;
drop function internal.tg_repository_branches__check_default();
drop function internal.tg_repository_branches__sync_default_branch();

commit;
