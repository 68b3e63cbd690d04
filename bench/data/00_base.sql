-- Benchmark data, base module: organizations, users and memberships, with skewed tenants.
-- psql -v scale=<n> -f bench/data/00_base.sql   (scale 1 = 100 organizations, 20 users each on average)
--
-- The `bench` schema exists only in benchmark databases. bench.orgs numbers the organizations
-- (ordinal 1..n) and names one user per role in each, so generators and query scripts can pick
-- tenants set-wise: ordinal = 1 + floor(n * random()^3) gives a few large tenants and a long tail
-- (ordinal 1 gets about n^(-1/3) of all rows: ~22% at 100 organizations).
\set ON_ERROR_STOP on
\timing off
select greatest(2, round(100 * :scale))::int as orgs \gset
select clock_timestamp() as t0 \gset

create schema if not exists bench;
create table if not exists bench.orgs (
  ordinal int primary key, id uuid not null, owner_id uuid not null, admin_id uuid not null,
  member_id uuid not null, viewer_id uuid not null);
create index if not exists orgs_id_idx on bench.orgs (id);
-- The finished build: scripts/bench.sh writes its one row after the last generator and VACUUM,
-- so a database with a row holds a complete data set of that scale (growth reuses it).
create table if not exists bench.meta (
  scale numeric not null, fingerprint text not null, built_at timestamptz not null,
  build_seconds integer not null, git_commit text);
comment on table bench.meta is
  'The finished benchmark build of this database: scale, fingerprint of sqitch.plan, deploy/ and bench/data/, when, how long, which commit. Written by scripts/bench.sh at the end of a build.';
create or replace function bench.skewed_ordinal(p_orgs int) returns int language sql volatile as
  $$ select 1 + floor(p_orgs * power(random(), 3))::int $$;
grant usage on schema bench to authenticated, service_role;
grant select on bench.orgs to authenticated, service_role;
grant execute on function bench.skewed_ordinal(int) to authenticated, service_role;

insert into base.organizations (id, name, slug, plan)
select base.uuid_generate_v7(), 'Bench Org ' || i, 'bench-' || i, (array['free', 'team', 'enterprise'])[1 + i % 3]
  from generate_series(1, :orgs) as i;

-- Users: four per organization in fixed roles, plus extra members by tenant weight.
insert into base.users (id, email, display_name)
select base.uuid_generate_v7(), format('u%s-%s@bench.test', o, r), format('User %s/%s', o, r)
  from generate_series(1, :orgs) as o, generate_series(1, 4) as r;

insert into bench.orgs (ordinal, id, owner_id, admin_id, member_id, viewer_id)
select o.ordinal, org.id,
       max(u.id::text) filter (where r = 1)::uuid, max(u.id::text) filter (where r = 2)::uuid,
       max(u.id::text) filter (where r = 3)::uuid, max(u.id::text) filter (where r = 4)::uuid
  from generate_series(1, :orgs) as o (ordinal)
  join base.organizations as org on org.slug = 'bench-' || o.ordinal
  cross join generate_series(1, 4) as r
  join base.users as u on u.email = format('u%s-%s@bench.test', o.ordinal, r)
 group by o.ordinal, org.id;

alter table base.organization_members disable trigger user;
insert into base.organization_members (organization_id, user_id, role)
select b.id, v.user_id, v.role::base.organization_role
  from bench.orgs as b
  cross join lateral (values (b.owner_id, 'owner'), (b.admin_id, 'admin'), (b.member_id, 'member'), (b.viewer_id, 'viewer')) as v (user_id, role);

insert into base.users (id, email)
select base.uuid_generate_v7(), format('extra%s@bench.test', i) from generate_series(1, :orgs * 16) as i;
insert into base.organization_members (organization_id, user_id, role)
select b.id, u.id, 'member'
  from (select id, bench.skewed_ordinal(:orgs) as ordinal from base.users where email like 'extra%@bench.test') as u
  join bench.orgs as b on b.ordinal = u.ordinal
on conflict do nothing;
alter table base.organization_members enable trigger user;

select format('bench-data: base: %s organizations, %s users, %s memberships in %s s', :orgs,
              (select count(*) from base.users), (select count(*) from base.organization_members),
              round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 1)) as progress \gset
\echo :progress
