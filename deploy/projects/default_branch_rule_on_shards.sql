-- Deploy platform:projects/default_branch_rule_on_shards to pg
-- The deferred default-branch rule (internal.tg_repository_branches__check_default, on
-- projects.repository_branches and on projects.repositories.default_branch) read the repository
-- id by the table's name. On Citus the trigger fires on a shard, whose name is not 'repositories',
-- so a change on the repository side read a missing column, found no repository and skipped the
-- check. The body now tells the two row types apart by their columns. Triggers are unchanged.

begin;

set local lock_timeout = '5s';

create or replace function internal.tg_repository_branches__check_default()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row            record := case when tg_op = 'DELETE' then old else new end;
  v_org            uuid;
  v_repository     uuid;
  v_default_branch text;
  v_branches       bigint;
  v_default_name   text;
begin
  -- Fires on both tables. A branch row has repository_id, a repository row has not (its key is
  -- id): tell them apart by their columns, never by the trigger's table name, which on Citus is a
  -- shard's name (repositories_102040).
  v_org := (to_jsonb(v_row) ->> 'organization_id')::uuid;
  v_repository := coalesce(to_jsonb(v_row) ->> 'repository_id', to_jsonb(v_row) ->> 'id')::uuid;

  perform from projects.repositories as r
   where r.organization_id = v_org and r.id = v_repository;
  if not found then
    return null;  -- the repository (or its organization) is being deleted: its branches go with it
  end if;

  -- Serialise the organization's branch changes until commit: READ COMMITTED waits here, and
  -- the statements below then see what the other transaction committed; REPEATABLE READ and
  -- SERIALIZABLE fail with 40001 instead of checking a snapshot that misses it.
  perform internal.serialize_tenant(v_org, 'repository_branches');

  select r.default_branch into v_default_branch
    from projects.repositories as r
   where r.organization_id = v_org and r.id = v_repository;
  if not found then
    return null;  -- deleted meanwhile by a transaction we waited for
  end if;

  select count(*), min(b.name) filter (where b.is_default)
    into v_branches, v_default_name
    from projects.repository_branches as b
   where b.organization_id = v_org and b.repository_id = v_repository;

  if v_branches > 0 and v_default_name is null then
    raise exception 'repository % has % branches but no default branch: exactly one must be the default',
                    v_repository, v_branches
      using errcode = '23514',
            hint = 'Flag one branch with is_default, or call projects.set_default_branch().';
  end if;
  if v_branches > 0 and v_default_name <> v_default_branch then
    raise exception 'repository % names % as its default branch, but its default branch row is %',
                    v_repository, v_default_branch, v_default_name
      using errcode = '23514',
            hint = 'Change the default branch with projects.set_default_branch() (or by flagging the branch is_default).';
  end if;
  return null;
end
$$;

commit;
