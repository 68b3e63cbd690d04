-- Revert platform:base/organization_invitations from pg

begin;

drop function base.accept_invitation(uuid);
drop function internal.accept_invitation(uuid);
drop function base.revoke_invitation(uuid);
drop function internal.revoke_invitation(uuid);
drop function base.invite_member(uuid, text, base.organization_role, interval);
drop function internal.invite_member(uuid, text, base.organization_role, interval);
drop table base.organization_invitations;

commit;
