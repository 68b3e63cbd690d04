-- Verify platform:tasks/prune_orphans on pg

begin;

select 'tasks.prune_orphans()'::regprocedure;

rollback;
