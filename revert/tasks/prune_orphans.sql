-- Revert platform:tasks/prune_orphans from pg

begin;

drop function tasks.prune_orphans();

commit;
