-- A write of the mixed workload: an admin edits the organization's settings.
-- tenants drawn with a Zipf skew: a few large organizations take most of the traffic
\set ordinal random_zipfian(1, :orgs, 1.1)
begin;
select set_config('request.jwt.claims', json_build_object('role', 'authenticated', 'sub', admin_id)::text, true),
       set_config('role', 'authenticated', true), id as org
  from bench.orgs where ordinal = :ordinal \gset
update base.organizations set settings = jsonb_build_object('touched', now()) where id = :org;
commit;
