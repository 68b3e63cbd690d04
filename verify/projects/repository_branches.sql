-- Verify platform:projects/repository_branches on pg

begin;

select organization_id, id, repository_id, name, head_commit_sha, commit_author, commit_message,
       committed_at, is_default, is_protected, ahead_count, behind_count, created_at, updated_at
  from projects.repository_branches
 where false;

-- Both halves of the default-branch rule are in place.
select 1 / count(*) from pg_catalog.pg_class
 where oid = 'projects.repository_branches_organization_id_repository_id_default_key'::regclass;
select 1 / (count(*) = 2)::int
  from pg_catalog.pg_trigger
 where tgname = '_500_check_default_branch' and tgdeferrable and tginitdeferred
   and tgrelid in ('projects.repository_branches'::regclass, 'projects.repositories'::regclass);

select 'projects.set_default_branch(uuid, uuid, text)'::regprocedure;

rollback;
