-- Verify platform:base/membership on pg

begin;

-- Nobody is authenticated here: no organization may come back.
select 1 / (cardinality(internal.organization_ids_for('viewer')) = 0)::int;
select 1 / (not base.has_organization_role(base.uuid_generate_v7(), 'viewer'))::int;

rollback;
