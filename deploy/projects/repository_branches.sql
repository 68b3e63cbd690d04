-- Deploy platform:projects/repository_branches to pg
-- Branches of a repository, as the provider sync last saw them.
--
-- The one-default-branch rule, in two halves:
--   * at most one: a partial unique index on (organization_id, repository_id) where is_default;
--   * at least one, and the right one: a repository that has branch rows has exactly one default
--     branch, and its name is repositories.default_branch. A deferred constraint trigger checks
--     this at commit (23514), so a sync may insert branches in any order and move the flag in
--     several statements. Before it reads, it serialises the organization's branch changes with
--     internal.serialize_tenant(organization, 'repository_branches'), so two transactions that
--     each look fine alone cannot commit a repository without a default: under READ COMMITTED
--     the second waits and then checks what the first committed; under REPEATABLE READ and
--     SERIALIZABLE it fails with 40001 (retry). (A row lock on the repository was not enough:
--     a lock is not a write, so a REPEATABLE READ transaction took it once the other committed
--     and still checked its own, older snapshot.)
--     The check stays deferred: the API lets a sync add branches in any order and move the flag
--     in two statements (projects.set_default_branch clears the old flag before setting the new
--     one, because of the unique index), and only a commit-time check accepts that.
--   * flagging a branch is_default renames repositories.default_branch to match (trigger);
--     projects.set_default_branch() moves the flag in one call. A repository without branch
--     rows keeps its default_branch name alone (nothing synced yet).
-- ahead/behind counts are relative to the default branch: 0 on the default branch itself,
-- cleared on the others when the default moves (they are stale until the next sync).

begin;

create table projects.repository_branches (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  repository_id    uuid        not null,
  name             text        not null,
  head_commit_sha  text        not null,
  commit_author    text,
  commit_message   text,
  committed_at     timestamptz,
  is_default       boolean     not null default false,
  is_protected     boolean     not null default false,
  ahead_count      integer,
  behind_count     integer,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint repository_branches_pkey primary key (organization_id, id),
  constraint repository_branches_organization_id_repository_id_name_key
    unique (organization_id, repository_id, name),
  constraint repository_branches_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint repository_branches_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint repository_branches_name_check check (projects.is_valid_branch_name(name)),
  constraint repository_branches_head_commit_sha_check
    check (head_commit_sha ~ '^([0-9a-f]{40}|[0-9a-f]{64})$'),
  constraint repository_branches_commit_author_check check (length(commit_author) <= 320),
  constraint repository_branches_commit_message_check check (length(commit_message) <= 10000),
  constraint repository_branches_ahead_count_check check (ahead_count >= 0),
  constraint repository_branches_behind_count_check check (behind_count >= 0),
  constraint repository_branches_is_default_check
    check (not is_default or (coalesce(ahead_count, 0) = 0 and coalesce(behind_count, 0) = 0))
);

create unique index repository_branches_organization_id_repository_id_default_key
  on projects.repository_branches (organization_id, repository_id) where is_default;

comment on table projects.repository_branches is
  'Branches of a repository with their head commit. A repository with branch rows has exactly one default branch, named by repositories.default_branch (checked at commit).';
comment on column projects.repository_branches.name is 'Git branch name (projects.is_valid_branch_name); unique per repository.';
comment on column projects.repository_branches.head_commit_sha is 'Head commit: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.';
comment on column projects.repository_branches.committed_at is 'Commit time of the head commit.';
comment on column projects.repository_branches.is_default is 'The repository''s default branch: at most one (unique index), exactly one once a repository has branches (deferred check).';
comment on column projects.repository_branches.is_protected is 'Branch protection is on at the provider.';
comment on column projects.repository_branches.ahead_count is 'Commits on this branch not on the default branch; 0 on the default branch, NULL when unknown.';
comment on column projects.repository_branches.behind_count is 'Commits on the default branch not on this branch; 0 on the default branch, NULL when unknown.';

create trigger _100_set_updated_at
  before update on projects.repository_branches
  for each row execute function base.tg__set_updated_at();

-- Flagging a branch as default renames the repository's default branch to match.
create function internal.tg_repository_branches__sync_default_branch()
returns trigger
language plpgsql
volatile
as $$
begin
  update projects.repositories as r
     set default_branch = new.name
   where r.organization_id = new.organization_id
     and r.id = new.repository_id
     and r.default_branch is distinct from new.name;
  return null;
end
$$;

comment on function internal.tg_repository_branches__sync_default_branch() is
  'AFTER INSERT/UPDATE on repository_branches of a default branch: sets repositories.default_branch to its name. Runs as the caller (a member, who may edit the repository anyway).';
revoke execute on function internal.tg_repository_branches__sync_default_branch() from public;

create trigger _200_sync_default_branch
  after insert or update of is_default, name on projects.repository_branches
  for each row when (new.is_default)
  execute function internal.tg_repository_branches__sync_default_branch();

-- The "exactly one default, and the right one" check, deferred to commit.
create function internal.tg_repository_branches__check_default()
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
  -- Fires on both tables; read the key by name so one body serves both row types.
  v_org := (to_jsonb(v_row) ->> 'organization_id')::uuid;
  v_repository := (to_jsonb(v_row) ->> case when tg_table_name = 'repositories' then 'id' else 'repository_id' end)::uuid;

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

comment on function internal.tg_repository_branches__check_default() is
  'Deferred constraint trigger on repository_branches and repositories.default_branch: a repository with branches has exactly one default branch, named by repositories.default_branch (23514). Serializes the organization''s branch changes first (internal.serialize_tenant, scope repository_branches), so concurrent transactions cannot break the rule together: the second waits under READ COMMITTED, and fails with 40001 under REPEATABLE READ and SERIALIZABLE.';
revoke execute on function internal.tg_repository_branches__check_default() from public;

create constraint trigger _500_check_default_branch
  after insert or update of is_default, name, repository_id or delete on projects.repository_branches
  deferrable initially deferred
  for each row execute function internal.tg_repository_branches__check_default();

create constraint trigger _500_check_default_branch
  after update of default_branch on projects.repositories
  deferrable initially deferred
  for each row execute function internal.tg_repository_branches__check_default();

create function projects.set_default_branch(
  organization_id uuid,
  repository_id   uuid,
  branch_name     text)
returns projects.repository_branches
language plpgsql
volatile
as $$
declare
  v_branch projects.repository_branches;
begin
  if base.current_user_id() is not null
     and not base.has_organization_role(set_default_branch.organization_id, 'member') then
    raise exception 'only members of organization % may change a default branch', set_default_branch.organization_id
      using errcode = '42501';
  end if;

  perform from projects.repository_branches as b
   where b.organization_id = set_default_branch.organization_id
     and b.repository_id = set_default_branch.repository_id
     and b.name = set_default_branch.branch_name;
  if not found then
    raise exception 'branch % not found in repository %', coalesce(quote_literal(branch_name), 'NULL'), repository_id
      using errcode = 'P0002';
  end if;

  -- First clear the old flag (the unique index allows one default at a time), then set the new.
  update projects.repository_branches as b
     set is_default = false, ahead_count = null, behind_count = null
   where b.organization_id = set_default_branch.organization_id
     and b.repository_id = set_default_branch.repository_id
     and b.is_default
     and b.name <> set_default_branch.branch_name;

  update projects.repository_branches as b
     set is_default = true, ahead_count = 0, behind_count = 0
   where b.organization_id = set_default_branch.organization_id
     and b.repository_id = set_default_branch.repository_id
     and b.name = set_default_branch.branch_name
  returning b.* into v_branch;

  return v_branch;
end
$$;

comment on function projects.set_default_branch(uuid, uuid, text) is
  'Makes branch_name the default branch of the repository: moves the is_default flag, renames repositories.default_branch, zeroes the new default''s ahead/behind and clears the others'' (stale until the next sync). Returns the branch. 42501 for non-members, P0002 for an unknown branch.';
revoke execute on function projects.set_default_branch(uuid, uuid, text) from public;
grant execute on function projects.set_default_branch(uuid, uuid, text) to authenticated, service_role;

alter table projects.repository_branches enable row level security;

create policy select_viewer on projects.repository_branches
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on projects.repository_branches is 'Every member of the organization reads branches.';

create policy insert_member on projects.repository_branches
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on projects.repository_branches is 'Members (and sync jobs acting for them) record branches.';

create policy update_member on projects.repository_branches
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on projects.repository_branches is 'Members update branch heads, protection and the default flag.';

create policy delete_member on projects.repository_branches
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy delete_member on projects.repository_branches is
  'Members remove branches that no longer exist at the provider: branch rows mirror git, deleting one loses no data of ours.';

create policy all_service_role on projects.repository_branches
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.repository_branches is 'Trusted services (provider sync) manage every branch.';

grant select, delete on projects.repository_branches to authenticated;
grant insert (organization_id, repository_id, name, head_commit_sha, commit_author, commit_message,
              committed_at, is_default, is_protected, ahead_count, behind_count)
  on projects.repository_branches to authenticated;
grant update (name, head_commit_sha, commit_author, commit_message, committed_at, is_default,
              is_protected, ahead_count, behind_count)
  on projects.repository_branches to authenticated;
grant select, insert, update, delete on projects.repository_branches to service_role;

commit;
