-- Benchmark data, projects module: repositories, projects, their links, teams, branches and
-- status history, spread over the base tenants (bench.orgs, from 00_base.sql) with their skew.
-- psql -X -v ON_ERROR_STOP=1 -v scale=<n> -f bench/data/01_projects.sql
--   (scale 1 = 1,000 projects and 1,000 repositories over 100 organizations)
--
-- Every organization gets one project and one repository, the rest go to the tenant of
-- ordinal 1 + floor(n * random()^3) (bench.skewed_ordinal): the largest tenant holds about a
-- fifth of everything, as it does for tasks. Per project: one to four repositories of its
-- organization (one primary), a team of two to six of the organization's members (one lead),
-- and the status history of a lifecycle walked through the real rules. Per repository: its
-- default branch and up to five others.
--
-- Written through the module's own rules: projects are created in planning or active and moved
-- to their final status by UPDATEs that the lifecycle trigger validates and records in
-- project_status_history; branch rows pass the deferred "exactly one default branch" check at
-- commit. Only the step that spreads the creation and status-change times over the past
-- two years (the trigger stamps now()), runs with the updated_at and audit triggers of
-- projects.projects disabled: it rewrites timestamps of synthetic rows, not an edit anyone made.
-- Runs as the deploying owner (no JWT: the lifecycle trigger treats it as a trusted service),
-- in one transaction. The analytics generator (03) keeps its own tenant and repositories
-- (bench-analytics), which its module suite reads; these are the platform tenants' repositories.
-- A second run finds the projects and stops.
\set ON_ERROR_STOP on
\timing off
\if :{?scale}
\else
  \set scale 0.01
\endif

select to_regclass('bench.orgs') is not null as has_orgs \gset
\if :has_orgs
\else
  do $$ begin
    raise exception 'bench data: bench.orgs is missing: no tenants to spread projects over'
      using errcode = '55000', hint = 'Load bench/data/00_base.sql first.';
  end $$;
\endif
select exists (select from projects.projects as p join bench.orgs as b on b.id = p.organization_id) as already_loaded \gset
\if :already_loaded
  \echo 'bench-data: projects: already loaded for the bench organizations: nothing to do'
  \quit
\endif

select count(*) as orgs from bench.orgs \gset
select greatest(:orgs, round(1000 * :scale))::int as n_projects,
       greatest(:orgs, round(1000 * :scale))::int as n_repositories \gset
select setseed(0.1001) as seeded \gset

begin;

-- The tenant of each row: the first n rows one per organization, then skewed.
create temporary table bench_project_rows on commit drop as
select i, case when i <= :orgs then i else bench.skewed_ordinal(:orgs) end as ordinal, random() as r
  from generate_series(1, greatest(:n_projects, :n_repositories)) as i;

-- Repositories ---------------------------------------------------------------------------------
select clock_timestamp() as t0 \gset
insert into projects.repositories
  (organization_id, provider, full_name, clone_url, default_branch, visibility, primary_language, description,
   analysis_config, created_at, updated_at)
select b.id, x.provider, x.full_name,
       case x.provider when 'github' then format('https://github.com/%s.git', x.full_name)
                       else format('git@gitlab.com:%s.git', x.full_name) end,
       case when x.i % 10 = 0 then 'master' else 'main' end,
       (array['private', 'private', 'internal', 'public'])[1 + x.i % 4],
       (array['TypeScript', 'Python', 'Go', 'Rust', 'Java', 'TypeScript', 'Python', 'SQL'])[1 + x.i % 8],
       format('Service %s of bench organization %s', x.i, b.ordinal),
       jsonb_build_object('tools', (array['["eslint", "semgrep"]', '["ruff", "coverage"]', '["golangci-lint"]',
                                          '["clippy", "coverage"]'])[1 + x.i % 4]::jsonb,
                          'schedule', (array['on_push', 'daily', 'weekly', 'on_push'])[1 + x.i % 4]),
       now() - interval '2 years' + x.r * interval '700 days', now() - x.r * interval '30 days'
  from bench_project_rows as r
  join bench.orgs as b on b.ordinal = r.ordinal
 cross join lateral (select r.i, r.r, case when r.i % 5 = 4 then 'gitlab' else 'github' end as provider,
                            format('bench-%s/service-%s', b.ordinal, lpad(r.i::text, 5, '0')) as full_name) as x
 where r.i <= :n_repositories;
select format('bench-data: projects: projects.repositories %s rows in %s s',
              (select count(*) from projects.repositories as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

-- Branches: the default one (its name is the repository's default_branch) and up to five more.
select clock_timestamp() as t0 \gset
insert into projects.repository_branches
  (organization_id, repository_id, name, head_commit_sha, commit_author, commit_message, committed_at, is_default,
   is_protected, ahead_count, behind_count)
select repo.organization_id, repo.id, br.name, left(encode(sha256(convert_to(repo.id::text || br.name, 'UTF8')), 'hex'), 40),
       format('dev%s@bench.test', (abs(hashtext(repo.id::text)) + br.k) % 50), format('Change %s on %s', br.k, br.name),
       now() - (br.k * 3 + abs(hashtext(repo.id::text || br.name)) % 72) * interval '1 hour',
       br.k = 0, br.k = 0,
       case when br.k > 0 then abs(hashtext(br.name || repo.id::text)) % 40 else 0 end,
       case when br.k > 0 then abs(hashtext(repo.id::text || br.k)) % 120 else 0 end
  from projects.repositories as repo
  join bench.orgs as b on b.id = repo.organization_id
 cross join lateral (select k, case when k = 0 then repo.default_branch
                                    else (array['develop', 'feature/login', 'feature/billing', 'fix/retry-timeout',
                                                'release/2026.1'])[k] end as name
                       from generate_series(0, abs(hashtext(repo.full_name)) % 6) as k) as br;
select format('bench-data: projects: projects.repository_branches %s rows in %s s',
              (select count(*) from projects.repository_branches as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

-- Projects: created in planning (or, one in four of those that go on, straight in active); the
-- final status each is headed for, with its share:
--   planning 15 %, active 40 %, on_hold 10 %, completed 15 %, archived 8 %, cancelled 12 %.
-- The same draw places the creation in the last two years: the further a project has come, the
-- older it is (planning ones are recent, archived and cancelled ones old).
select clock_timestamp() as t0 \gset
create temporary table bench_projects on commit drop as
select r.i, b.id as organization_id, b.ordinal, r.r,
       case when r.r < 0.15 then 'planning' when r.r < 0.55 then 'active' when r.r < 0.65 then 'on_hold'
            when r.r < 0.80 then 'completed' when r.r < 0.88 then 'archived' else 'cancelled' end as final_status,
       (array[b.owner_id, b.admin_id, b.member_id, b.member_id, null])[1 + r.i % 5] as owner_id,
       x.born, (x.born + (r.i % 21) * interval '1 day')::date as start_date
  from bench_project_rows as r
 cross join lateral (select now() - interval '14 days' - (0.05 + 0.95 * r.r) * interval '700 days' as born) as x
  join bench.orgs as b on b.ordinal = r.ordinal
 where r.i <= :n_projects;

insert into projects.projects
  (organization_id, name, slug, description, status, priority, owner_id, goals, start_date, target_date, metadata)
select p.organization_id, format('Project %s', p.i), format('project-%s', p.i),
       format('Bench project %s of organization %s: %s', p.i, p.ordinal,
              (array['platform migration', 'new billing flow', 'reliability work', 'mobile release',
                     'data pipeline', 'security hardening'])[1 + p.i % 6]),
       case when p.final_status <> 'planning' and p.i % 4 = 0 then 'active' else 'planning' end,
       (array['low', 'medium', 'medium', 'high', 'critical'])[1 + p.i % 5], p.owner_id,
       coalesce((select jsonb_agg(jsonb_build_object('text', format('Milestone %s', g),
                                                     'target_date', to_char(p.start_date + g * 45, 'YYYY-MM-DD'),
                                                     'done', p.start_date + g * 45 < current_date))
                   from generate_series(1, p.i % 4) as g), '[]'),
       p.start_date, p.start_date + 60 + (p.r * 400)::int,
       jsonb_build_object('bench', true, 'team', format('team-%s', p.i % 12))
  from bench_projects as p;

-- The lifecycle, one validated step per statement (the guard trigger checks each transition, the
-- record trigger writes each to project_status_history).
update projects.projects as p set status = 'active'
  from bench_projects as x
 where p.organization_id = x.organization_id and p.slug = format('project-%s', x.i) and p.status = 'planning'
   and (x.final_status in ('active', 'on_hold', 'completed', 'archived') or (x.final_status = 'cancelled' and x.i % 2 = 0));
update projects.projects as p set status = case when x.final_status = 'archived' then 'completed' else x.final_status end
  from bench_projects as x
 where p.organization_id = x.organization_id and p.slug = format('project-%s', x.i)
   and x.final_status in ('on_hold', 'completed', 'archived', 'cancelled');
update projects.projects as p set status = 'archived'
  from bench_projects as x
 where p.organization_id = x.organization_id and p.slug = format('project-%s', x.i) and x.final_status = 'archived';
-- One project in thirty is soft-deleted (admins still see it).
update projects.projects as p set deleted_at = now() - x.r * interval '30 days'
  from bench_projects as x
 where p.organization_id = x.organization_id and p.slug = format('project-%s', x.i) and x.i % 30 = 7;
select format('bench-data: projects: projects.projects %s rows in %s s',
              (select count(*) from projects.projects as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

-- Times: the trigger stamped every step now(); spread each project's history over its life, from
-- its creation (born: in the last two years, a few days before its start date) to at most two
-- weeks ago.
select clock_timestamp() as t0 \gset
create temporary table bench_project_steps on commit drop as
select h.organization_id, h.id, h.project_id,
       row_number() over (partition by h.organization_id, h.project_id
                          order by h.from_status is not null,
                                   case h.to_status when 'planning' then 0 when 'active' then 1 when 'archived' then 3 else 2 end) - 1 as step,
       count(*) over (partition by h.organization_id, h.project_id) as steps
  from projects.project_status_history as h
  join bench.orgs as b on b.id = h.organization_id;
create temporary table bench_project_times on commit drop as
select p.organization_id, p.id, x.born as created_at
  from bench_projects as x
  join projects.projects as p on p.organization_id = x.organization_id and p.slug = format('project-%s', x.i);
-- The history is append-only (base/append_only); the owner lifts the guard for this one backdating
-- UPDATE, inside this transaction.
alter table projects.project_status_history disable trigger _000_append_only;
update projects.project_status_history as h
   set changed_at = t.created_at + s.step * (now() - interval '14 days' - t.created_at) / s.steps
  from bench_project_steps as s
  join bench_project_times as t on t.organization_id = s.organization_id and t.id = s.project_id
 where h.organization_id = s.organization_id and h.id = s.id;
alter table projects.project_status_history enable trigger _000_append_only;

alter table projects.projects disable trigger _100_set_updated_at;
alter table projects.projects disable trigger _900_audit_update;
update projects.projects as p
   set created_at = t.created_at,
       status_changed_at = l.changed_at,
       completed_at = case when p.status in ('completed', 'archived') then c.changed_at end,
       updated_at = greatest(l.changed_at, p.deleted_at)
  from bench_project_times as t
 cross join lateral (select max(h.changed_at) as changed_at from projects.project_status_history as h
                      where h.organization_id = t.organization_id and h.project_id = t.id) as l
 cross join lateral (select max(h.changed_at) as changed_at from projects.project_status_history as h
                      where h.organization_id = t.organization_id and h.project_id = t.id and h.to_status = 'completed') as c
 where p.organization_id = t.organization_id and p.id = t.id;
alter table projects.projects enable trigger _900_audit_update;
alter table projects.projects enable trigger _100_set_updated_at;
select format('bench-data: projects: projects.project_status_history %s rows in %s s',
              (select count(*) from projects.project_status_history as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

-- Links: a primary repository, then up to three more of the same organization. Repositories are
-- matched to projects by rank within the organization, so nearly all are used and the large tenants'
-- projects share some.
select clock_timestamp() as t0 \gset
insert into projects.project_repositories (organization_id, project_id, repository_id, role)
select distinct on (p.organization_id, p.id, r.id) p.organization_id, p.id, r.id,
       case when l.k = 0 then 'primary' else (array['component', 'dependency', 'docs', 'infrastructure'])[l.k] end
  from (select p.organization_id, p.id, row_number() over (partition by p.organization_id order by p.id) as rn
          from projects.projects as p join bench.orgs as b on b.id = p.organization_id) as p
 cross join lateral generate_series(0, (abs(hashtext(p.id::text)) % 4)) as l(k)
  join (select r.organization_id, r.id, row_number() over (partition by r.organization_id order by r.id) as rn,
               count(*) over (partition by r.organization_id) as cnt
          from projects.repositories as r join bench.orgs as b on b.id = r.organization_id) as r
    on r.organization_id = p.organization_id and r.rn = 1 + (p.rn - 1 + l.k * 7) % r.cnt
 order by p.organization_id, p.id, r.id, l.k;
select format('bench-data: projects: projects.project_repositories %s rows in %s s',
              (select count(*) from projects.project_repositories as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

-- Teams: two to six members of the organization, drawn by a hash; the first is the lead, the last
-- (in teams of four and more) an observer.
select clock_timestamp() as t0 \gset
insert into projects.project_members (organization_id, project_id, user_id, role, joined_at)
select t.organization_id, t.project_id, t.user_id,
       case when t.rn = 1 then 'lead' when t.rn = t.size and t.size >= 4 then 'observer' else 'contributor' end,
       t.created_at + t.rn * interval '1 day'
  from (select p.organization_id, p.id as project_id, p.created_at, m.user_id,
               2 + abs(hashtext(p.id::text)) % 5 as size,
               row_number() over (partition by p.organization_id, p.id order by md5(p.id::text || m.user_id::text)) as rn
          from projects.projects as p
          join bench.orgs as b on b.id = p.organization_id
          join base.organization_members as m on m.organization_id = p.organization_id) as t
 where t.rn <= t.size;
select format('bench-data: projects: projects.project_members %s rows in %s s',
              (select count(*) from projects.project_members as p join bench.orgs as b on b.id = p.organization_id),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress

commit;  -- the deferred default-branch checks run here

analyze projects.repositories;
analyze projects.repository_branches;
analyze projects.projects;
analyze projects.project_repositories;
analyze projects.project_members;
analyze projects.project_status_history;
