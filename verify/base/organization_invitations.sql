-- Verify platform:base/organization_invitations on pg

begin;

select organization_id, id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by,
       revoked_at, revoked_by
  from base.organization_invitations
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'base.organization_invitations'::regclass;

select 1 / (count(*) = 3)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'base.organization_invitations'::regclass and tgname like '\_900\_audit\_%';

select 'base.invite_member(uuid, text, base.organization_role, interval)'::regprocedure,
       'base.revoke_invitation(uuid)'::regprocedure,
       'base.accept_invitation(uuid)'::regprocedure,
       'internal.invite_member(uuid, text, base.organization_role, interval)'::regprocedure,
       'internal.revoke_invitation(uuid)'::regprocedure,
       'internal.accept_invitation(uuid)'::regprocedure;

select 1 / (not pg_catalog.has_function_privilege('anon', 'base.accept_invitation(uuid)', 'execute'))::int;

rollback;
