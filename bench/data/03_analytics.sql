-- Benchmark data for the analytics module: set-based, sized by the psql variable :scale.
--
--   psql -X -v ON_ERROR_STOP=1 -v scale=1 -f bench/data/03_analytics.sql
--
-- scale 1 = 1,000 repositories, 10,000 runs (10 per repository, one a day), 5,000,000
-- file_analysis rows (500 files per run), 50,000 issues, plus the metrics and trends every
-- successful run writes. Everything lives in one organization, bench-analytics, with a member
-- user bench-member@bench.test so the benchmark can query as an RLS-bound user.
-- Runs are completed through the real lifecycle (an UPDATE to succeeded per day, oldest first),
-- so summaries, scores, auto-resolution, metrics and trends are computed exactly as in
-- production. Files are inserted in batches of 100 repositories (500,000 rows at most), with
-- UUIDv7 ids computed inline (same layout as base.uuid_generate_v7(), which costs ~40 us a call).
-- Measured on a shared 2-core VM under load: scale 0.2 builds in about 5 minutes; expect
-- roughly 20-25 minutes for scale 1 there (most of it foreign-key checks and run completion).
-- Rerunning with the organization present does nothing; to rebuild:
--   delete from base.organizations where slug = 'bench-analytics';
-- Runs as the deploying owner (no JWT: the lifecycle triggers treat it as a trusted service).

\if :{?scale}
\else
  \set scale 1
\endif

select exists (select from base.organizations where slug = 'bench-analytics') as bench_exists \gset
\if :bench_exists
  \echo 'bench-analytics already exists: nothing to do (delete the organization to rebuild)'
  \quit
\endif

select greatest(1, round(1000 * :scale))::int as n_repos \gset
select format('analytics bench data: %s repositories, %s runs, %s file rows', :n_repos, :n_repos * 10, :n_repos * 5000) as plan_msg \gset
\echo :plan_msg
select setseed(0.42);

-- The tenant and its member ------------------------------------------------------------------
insert into base.organizations (name, slug, plan) values ('Bench Analytics', 'bench-analytics', 'enterprise')
returning id as org \gset
insert into base.users (email, display_name) values ('bench-member@bench.test', 'Bench member')
on conflict ((lower(email))) do nothing;
insert into base.organization_members (organization_id, user_id, role)
select :'org', u.id, 'member' from base.users as u where lower(u.email) = 'bench-member@bench.test';

-- Repositories: each gets a hidden "quality" q in [0, 1) that shapes its numbers -------------------
insert into projects.repositories (organization_id, provider, full_name, clone_url, primary_language)
select :'org', 'github', format('bench/repo-%s', lpad(g::text, 5, '0')),
       format('https://github.com/bench/repo-%s.git', lpad(g::text, 5, '0')), 'TypeScript'
  from generate_series(1, :n_repos) as g;

-- Runs: ten per repository, one a day for the last ten days, in flight while results arrive ----
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, branch, tools, status, started_at)
select :'org', r.id, encode(sha256(convert_to(r.id::text || ':' || d, 'UTF8')), 'hex'), 'main',
       '{"bench-lint": "1.0", "coverage": "1.0"}', 'running',
       date_trunc('day', now()) - make_interval(days => 10 - d) + make_interval(mins => (random() * 600)::int)
  from projects.repositories as r
 cross join generate_series(1, 10) as d
 where r.organization_id = :'org';

-- File results, 500 per run, in batches of 100 repositories ---------------------------------------
select format($batch$
insert into analytics.file_analysis
  (organization_id, id, run_id, file_path, language, lines_code, lines_comment, lines_blank, complexity,
   duplication_pct, coverage_pct, maintainability_index)
select r.organization_id,
       -- the layout of base.uuid_generate_v7(), inline: a function call per row costs ~40 us
       encode(substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
              || int2send((x'7000'::int + (random() * 4095)::int)::smallint)
              || substring(uuid_send(gen_random_uuid()) from 9), 'hex')::uuid,
       r.id,
       format('src/module_%%s/file_%%s.ts', lpad((f %% 40)::text, 2, '0'), lpad(f::text, 4, '0')),
       'typescript', x.lines, (x.lines * 0.1)::int, (x.lines * 0.15)::int,
       greatest(1, (x.lines * (0.05 + 0.25 * (1 - x.q)) * (0.5 + random()))::int),
       round(least(100, greatest(0, 30 * (1 - x.q) * random()))::numeric, 2),
       case when f %% 10 = 0 then null else round(least(100, greatest(0, 40 + 55 * x.q + 20 * (random() - 0.5)))::numeric, 2) end,
       round(least(100, greatest(0, 40 + 50 * x.q + 10 * (random() - 0.5)))::numeric, 2)
  from analytics.analysis_runs as r
  join projects.repositories as repo on repo.organization_id = r.organization_id and repo.id = r.repository_id
 cross join generate_series(1, 500) as f
 cross join lateral (select (abs(hashtext(repo.full_name)::bigint) %% 1000) / 1000.0 as q,
                            (40 + (f::bigint * 7919 + abs(hashtext(r.id::text)::bigint)) %% 400) as lines) as x
 where r.organization_id = %L
   and repo.full_name between %L and %L
$batch$, :'org', format('bench/repo-%s', lpad(b::text, 5, '0')), format('bench/repo-%s', lpad((b + 99)::text, 5, '0')))
  from generate_series(1, :n_repos, 100) as b
\gexec

-- Days 1-9 succeed, oldest first (nothing to auto-resolve yet) ------------------------------------
select format($day$
update analytics.analysis_runs as r
   set status = 'succeeded', finished_at = r.started_at + interval '6 minutes'
 where r.organization_id = %L and r.status = 'running'
   and r.started_at >= %L and r.started_at < %L
$day$, :'org', date_trunc('day', now()) - make_interval(days => 10 - d), date_trunc('day', now()) - make_interval(days => 9 - d))
  from generate_series(1, 9) as d
\gexec

-- Issues: 50 per repository, seen by today's run (first seen on day 1); the better the
-- repository, the fewer blockers and criticals. 10 % of them are already resolved.
insert into analytics.issues
  (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, file_path, line, message,
   first_seen_run_id, last_seen_run_id, first_seen_at, last_seen_at)
select :'org', repo.id, format('%s:%s', repo.full_name, i), 'bench-lint', format('rule-%s', i % 25),
       case when x.roll < 0.05 * (1 - x.q) then 'blocker' when x.roll < 0.15 * (1 - x.q) then 'critical'
            when x.roll < 0.45 then 'major' when x.roll < 0.85 then 'minor' else 'info' end,
       (array['bug', 'vulnerability', 'code_smell', 'security_hotspot'])[1 + i % 4],
       format('src/module_%s/file_%s.ts', lpad((i % 40)::text, 2, '0'), lpad(i::text, 4, '0')), 1 + i * 3,
       format('bench finding %s', i), first_run.id, last_run.id, first_run.started_at, last_run.started_at
  from projects.repositories as repo
 cross join generate_series(1, 50) as i
 cross join lateral (select (abs(hashtext(repo.full_name)::bigint) % 1000) / 1000.0 as q,
                            ((i::bigint * 104729 + abs(hashtext(repo.full_name)::bigint)) % 1000) / 1000.0 as roll) as x
 cross join lateral (select ar.id, ar.started_at from analytics.analysis_runs as ar
                      where ar.repository_id = repo.id and ar.organization_id = repo.organization_id
                      order by ar.started_at limit 1) as first_run
 cross join lateral (select ar.id, ar.started_at from analytics.analysis_runs as ar
                      where ar.repository_id = repo.id and ar.organization_id = repo.organization_id
                      order by ar.started_at desc limit 1) as last_run
 where repo.organization_id = :'org';
update analytics.issues set status = 'resolved'
 where organization_id = :'org' and (abs(hashtext(fingerprint)::bigint) % 10) = 0;

-- Day 10 succeeds: the open issues count in its score ------------------------------------------------
update analytics.analysis_runs as r
   set status = 'succeeded', finished_at = r.started_at + interval '6 minutes'
 where r.organization_id = :'org' and r.status = 'running';

-- Metrics of earlier months leave the DEFAULT partition; fresh statistics for the planner.
select count(*) as partition_actions from base.run_partition_maintenance('analytics.metrics');
vacuum analyze analytics.analysis_runs;
vacuum analyze analytics.file_analysis;
vacuum analyze analytics.issues;
vacuum analyze analytics.metrics;
vacuum analyze analytics.metric_trends;
vacuum analyze projects.repositories;

select (select count(*) from projects.repositories where organization_id = :'org') as repositories,
       (select count(*) from analytics.analysis_runs where organization_id = :'org') as runs,
       (select count(*) from analytics.file_analysis where organization_id = :'org') as file_rows,
       (select count(*) from analytics.issues where organization_id = :'org') as issues,
       (select count(*) from analytics.metrics where organization_id = :'org') as metrics,
       (select count(*) from analytics.metric_trends where organization_id = :'org') as trend_rows;
