-- A read of the mixed workload: a member lists their organization's members (more reads join as modules land).
-- tenants drawn with a Zipf skew: a few large organizations take most of the traffic
\set ordinal random_zipfian(1, :orgs, 1.1)
begin;
select set_config('request.jwt.claims', json_build_object('role', 'authenticated', 'sub', member_id)::text, true),
       set_config('role', 'authenticated', true), id as org
  from bench.orgs where ordinal = :ordinal \gset
select m.user_id, m.role from base.organization_members m where m.organization_id = :org order by m.created_at limit 50;
commit;
