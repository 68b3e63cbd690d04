-- projects module, layer 2: repositories and branches. Provider, clone URL, full-name
-- uniqueness, the shape of analysis_config, hex SHAs, and the one-default-branch rule.
begin;
select plan(57);

select organization_id as org, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('proj-repo-a') \gset
select organization_id as org_b from tests.create_tenant('proj-repo-b') \gset

select tests.authenticate_as(:'member');

-- Provider, full name, clone URL ------------------------------------------------------------------
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'acme/api', 'https://github.com/acme/api.git') returning id as r1 \gset
select is((select name from projects.repositories where id = :'r1'), 'api', 'name is derived from full_name');
select is((select default_branch from projects.repositories where id = :'r1'), 'main', 'default_branch defaults to main');

select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'sourceforge', 'acme/x', 'https://example.com/acme/x.git')$$, :'org'),
  '23514', 'new row for relation "repositories" violates check constraint "repositories_provider_check"',
  'an unknown provider is refused');
select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'github', 'ACME/API', 'https://github.com/ACME/API.git')$$, :'org'),
  '23505', 'duplicate key value violates unique constraint "repositories_organization_id_provider_full_name_key"',
  'full_name is unique per organization and provider, whatever its case');
select lives_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'gitlab', 'acme/api', 'git@gitlab.com:acme/api.git')$$, :'org'),
  'the same full_name on another provider is another repository');
select tests.clear_authentication();
select lives_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'github', 'acme/api', 'https://github.com/acme/api.git')$$, :'org_b'),
  'the same full_name in another organization is another repository');
select tests.authenticate_as(:'member');
select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'github', 'no-owner', 'https://github.com/no-owner.git')$$, :'org'),
  '23514', 'new row for relation "repositories" violates check constraint "repositories_full_name_check"',
  'full_name must be owner/name');
select lives_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'gitlab', 'acme/platform/infra', 'ssh://git@gitlab.example.com:2222/acme/platform/infra.git')$$, :'org'),
  'GitLab subgroups and ssh:// URLs with a port are accepted');
select lives_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'azure_devops', 'acme/ado', 'https://dev.azure.com/acme/proj/_git/ado')$$, :'org'),
  'an https URL without .git is accepted');

select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'other', 'acme/u%s', %L)$$, :'org', n, u),
  '23514', 'new row for relation "repositories" violates check constraint "repositories_clone_url_check"',
  format('clone URL %s is refused (%s)', u, why))
  from (values (1, 'http://github.com/acme/a.git', 'plain http'),
               (2, 'https://user:token@github.com/acme/a.git', 'credentials in the URL'),
               (3, 'github.com/acme/a.git', 'no scheme'),
               (4, 'https://github.com/acme/a b.git', 'whitespace'),
               (5, 'ftp://github.com/acme/a.git', 'unknown scheme'),
               (6, 'https://github.com', 'no path'),
               (7, 'file:///srv/git/a.git', 'local path'))
       as v(n, u, why)
 order by n;

select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url, default_branch) values (%L, 'github', 'acme/bad-branch', 'https://github.com/acme/bad-branch.git', 'feature..x')$$, :'org'),
  '23514', 'new row for relation "repositories" violates check constraint "repositories_default_branch_check"',
  'default_branch must be a valid git branch name');
select throws_ok(
  format($$update projects.repositories set last_analyzed_at = now() where id = %L$$, :'r1'),
  '42501', 'permission denied for table repositories', 'users cannot write last_analyzed_at (analytics maintains it)');

-- analysis_config is validated for shape --------------------------------------------------------
select lives_ok(
  format($$update projects.repositories set analysis_config = '{"tools": ["eslint", "semgrep"], "include": ["src/**"], "exclude": ["**/vendor/**"], "schedule": "0 3 * * 1", "options": {"eslint": {"max-warnings": 0}}}' where id = %L$$, :'r1'),
  'a complete analysis_config is accepted');
select throws_ok(
  format($$update projects.repositories set analysis_config = %L where id = %L$$, c, :'r1'),
  '23514', msg, format('analysis_config %s is refused: %s', c, msg))
  from (values (1, '[]', 'analysis_config must be a JSON object, not array'),
               (2, '{"tool": ["eslint"]}', 'analysis_config has an unknown key "tool"'),
               (3, '{"tools": "eslint"}', 'analysis_config.tools must be an array of at most 50 tool names'),
               (4, '{"tools": ["ESLint!"]}', 'analysis_config.tools has "ESLint!", which is not a tool name (a-z, 0-9, _ . -; at most 63 characters)'),
               (5, '{"tools": ["eslint", "eslint"]}', 'analysis_config.tools lists a tool twice'),
               (6, '{"include": [42]}', 'analysis_config.include has 42, which is not a glob pattern of 1 to 500 printable characters'),
               (7, '{"exclude": "vendor"}', 'analysis_config.exclude must be an array of at most 200 glob patterns'),
               (8, '{"schedule": "sometimes"}', 'analysis_config.schedule is "sometimes", which is not a schedule'),
               (9, '{"options": []}', 'analysis_config.options must be a JSON object keyed by tool name'))
       as v(n, c, msg)
 order by n;

-- Branches: names and SHAs ----------------------------------------------------------------------
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) values (%L, %L, 'main', %L, true)$$, :'org', :'r1', sha),
  '23514', 'new row for relation "repository_branches" violates check constraint "repository_branches_head_commit_sha_check"',
  format('head commit %s is refused (%s)', sha, why))
  from (values (1, 'ABCDEF0123456789ABCDEF0123456789ABCDEF01', 'upper case'),
               (2, 'abc123', 'too short'),
               (3, 'g000000000000000000000000000000000000000', 'not hex'))
       as v(n, sha, why)
 order by n;
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) values (%L, %L, 'bad name', %L)$$, :'org', :'r1', repeat('a', 40)),
  '23514', 'new row for relation "repository_branches" violates check constraint "repository_branches_name_check"',
  'a branch name with a space is refused');
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, ahead_count) values (%L, %L, 'topic', %L, -1)$$, :'org', :'r1', repeat('a', 40)),
  '23514', 'new row for relation "repository_branches" violates check constraint "repository_branches_ahead_count_check"',
  'ahead counts cannot be negative');
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default, behind_count) values (%L, %L, 'main', %L, true, 2)$$, :'org', :'r1', repeat('a', 40)),
  '23514', 'new row for relation "repository_branches" violates check constraint "repository_branches_is_default_check"',
  'the default branch is never behind itself');

-- One default branch: at most one (unique index) ----------------------------------------------
select lives_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) values (%L, %L, 'main', %L, true)$$, :'org', :'r1', repeat('a', 64)),
  'a default branch with a SHA-256 head is recorded');
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) values (%L, %L, 'develop', %L, true)$$, :'org', :'r1', repeat('b', 40)),
  '23505', 'duplicate key value violates unique constraint "repository_branches_organization_id_repository_id_default_key"',
  'a second default branch is refused at once');
select lives_ok('set constraints all immediate', 'a repository with exactly one default branch passes the commit-time check');
set constraints all deferred;

-- ... and at least one, named by repositories.default_branch (deferred to commit) ------------
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'acme/web', 'https://github.com/acme/web.git') returning id as r2 \gset
insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha)
values (:'org', :'r2', 'feature/login', repeat('c', 40));
select throws_ok('set constraints all immediate', '23514',
  format('repository %s has 1 branches but no default branch: exactly one must be the default', :'r2'),
  'a repository whose branches include no default fails at commit');
insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default)
values (:'org', :'r2', 'trunk', repeat('d', 40), true);
select is((select default_branch from projects.repositories where id = :'r2'), 'trunk',
          'flagging a branch as default renames repositories.default_branch to match');
select lives_ok('set constraints all immediate', 'once a default exists, the commit-time check passes');
set constraints all deferred;

update projects.repositories set default_branch = 'develop' where id = :'r1';
select throws_ok('set constraints all immediate', '23514',
  format('repository %s names develop as its default branch, but its default branch row is main', :'r1'),
  'repositories.default_branch cannot name another branch than the flagged one');
update projects.repositories set default_branch = 'main' where id = :'r1';
select lives_ok('set constraints all immediate', 'setup: consistent again');
set constraints all deferred;

-- set_default_branch() moves the flag in one call -----------------------------------------------
insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, ahead_count, behind_count)
values (:'org', :'r1', 'develop', repeat('e', 40), 3, 1);
select is((projects.set_default_branch(:'org', :'r1', 'develop')).is_default, true, 'set_default_branch() flags the branch');
select results_eq(
  format($$select name, is_default, ahead_count, behind_count from projects.repository_branches where repository_id = %L order by name$$, :'r1'),
  $$values ('develop', true, 0, 0), ('main', false, null::int, null::int)$$,
  'the new default is level with itself; the others'' counts are cleared until the next sync');
select is((select default_branch from projects.repositories where id = :'r1'), 'develop', 'repositories.default_branch follows');
select lives_ok('set constraints all immediate', 'set_default_branch() leaves the repository consistent');
set constraints all deferred;
select throws_ok(
  format($$select projects.set_default_branch(%L, %L, 'nope')$$, :'org', :'r1'),
  'P0002', format('branch ''nope'' not found in repository %s', :'r1'), 'an unknown branch is reported with P0002');

-- Moving the flag by hand works too, when the old flag is cleared first -----------------------
update projects.repository_branches set is_default = false where repository_id = :'r1' and name = 'develop';
update projects.repository_branches set is_default = true where repository_id = :'r1' and name = 'main';
select is((select default_branch from projects.repositories where id = :'r1'), 'main', 'flagging main by hand renames the default back');
select lives_ok('set constraints all immediate', 'two UPDATEs in one transaction pass the commit-time check');
set constraints all deferred;

-- Deleting the default branch while others remain fails; deleting every branch is fine ----------
delete from projects.repository_branches where repository_id = :'r1' and name = 'main';
select throws_ok('set constraints all immediate', '23514',
  format('repository %s has 1 branches but no default branch: exactly one must be the default', :'r1'),
  'the default branch cannot be deleted while other branches remain');
delete from projects.repository_branches where repository_id = :'r1';
select lives_ok('set constraints all immediate', 'a repository without branch rows needs no default');
set constraints all deferred;

-- Who may change the default branch -----------------------------------------------------------
select tests.authenticate_as(:'viewer');
select throws_ok(
  format($$select projects.set_default_branch(%L, %L, 'trunk')$$, :'org', :'r2'),
  '42501', format('only members of organization %s may change a default branch', :'org'),
  'a viewer cannot change the default branch');
select tests.clear_authentication();

-- Branches of another organization's repository are impossible ---------------------------------
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) values (%L, %L, 'main', %L, true)$$, :'org_b', :'r1', repeat('f', 40)),
  '23503', 'insert or update on table "repository_branches" violates foreign key constraint "repository_branches_organization_id_repository_id_fkey"',
  'a branch cannot belong to another organization''s repository');

-- Deleting a repository takes its branches, and the deferred check stays quiet ------------------
delete from projects.repositories where id = :'r2';
select lives_ok('set constraints all immediate', 'deleting a repository with its branches passes the commit-time check');
select is((select count(*) from projects.repository_branches where repository_id = :'r2'), 0::bigint, 'its branches are gone');

-- Audit -----------------------------------------------------------------------------------------
select is((select count(*) from base.audit_log where table_name = 'repositories' and record_id = :'r1' and action = 'INSERT'),
          1::bigint, 'creating a repository is audited');
select is((select count(*) from base.audit_log where table_name = 'repositories' and record_id = :'r2' and action = 'DELETE'),
          1::bigint, 'deleting a repository is audited');

select * from finish();
rollback;
