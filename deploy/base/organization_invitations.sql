-- Deploy platform:base/organization_invitations to pg
-- Membership needs the member's consent (hardening issue, item 9). An admin no longer adds a user
-- id to the organization (which told them whether the id exists, and then let them read that
-- user's e-mail and preferences); they invite an e-mail address instead:
--   * base.invite_member(organization_id, email, role, expires_in) -> invitation id, by admins and
--     owners (an admin offers up to admin, an owner any role, as the membership guard rules);
--   * base.revoke_invitation(invitation_id), by admins and owners, while it is pending;
--   * base.accept_invitation(invitation_id), by the invited person as themselves: the e-mail claim
--     of their JWT (base.current_user_email()) must be the invited address, and the invitation
--     pending (not accepted, not revoked, not expired). It creates the membership.
-- An invitation id that does not exist and one the caller may not see get the same P0002, so ids
-- of other tenants stay unknowable. Invitations are audited like every base table.

begin;

create table base.organization_invitations (
  organization_id  uuid                    not null,
  id               uuid                    not null default base.uuid_generate_v7(),
  email            text                    not null,
  role             base.organization_role  not null default 'member',
  invited_by       uuid,
  created_at       timestamptz             not null default now(),
  expires_at       timestamptz             not null default now() + interval '7 days',
  accepted_at      timestamptz,
  accepted_by      uuid,
  revoked_at       timestamptz,
  revoked_by       uuid,
  constraint organization_invitations_pkey primary key (organization_id, id),
  constraint organization_invitations_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  -- The people involved are members of the organization (the invitee once accepted): composite
  -- keys to the membership, set to NULL when that member leaves.
  constraint organization_invitations_invited_by_fkey foreign key (organization_id, invited_by)
    references base.organization_members (organization_id, user_id) on delete set null (invited_by),
  constraint organization_invitations_accepted_by_fkey foreign key (organization_id, accepted_by)
    references base.organization_members (organization_id, user_id) on delete set null (accepted_by),
  constraint organization_invitations_revoked_by_fkey foreign key (organization_id, revoked_by)
    references base.organization_members (organization_id, user_id) on delete set null (revoked_by),
  constraint organization_invitations_email_check
    check (length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  constraint organization_invitations_expires_at_check
    check (expires_at > created_at and expires_at <= created_at + interval '30 days'),
  constraint organization_invitations_state_check
    check ((accepted_at is null or revoked_at is null)
           and (accepted_by is null or accepted_at is not null)
           and (revoked_by is null or revoked_at is not null))
);

-- One pending invitation per address and organization (an expired one is revoked when the
-- address is invited again: base.invite_member).
create unique index organization_invitations_pending_email_key
  on base.organization_invitations (organization_id, lower(email))
  where accepted_at is null and revoked_at is null;
-- "My invitations" (the select_admin_or_invitee policy) and acceptance by id.
create index organization_invitations_email_idx on base.organization_invitations (lower(email));
create index organization_invitations_id_idx on base.organization_invitations (id);
create index organization_invitations_invited_by_idx
  on base.organization_invitations (organization_id, invited_by) where invited_by is not null;
create index organization_invitations_accepted_by_idx
  on base.organization_invitations (organization_id, accepted_by) where accepted_by is not null;
create index organization_invitations_revoked_by_idx
  on base.organization_invitations (organization_id, revoked_by) where revoked_by is not null;

comment on table base.organization_invitations is
  'Invitations to join an organization, addressed to an e-mail address. Written only by base.invite_member, base.revoke_invitation and base.accept_invitation (and service_role); the membership appears when the addressee accepts.';
comment on column base.organization_invitations.email is
  'The invited address, compared case-insensitively with the JWT "email" claim of whoever accepts.';
comment on column base.organization_invitations.role is
  'Role the membership gets on acceptance; admins offer up to admin, only owners offer owner.';
comment on column base.organization_invitations.invited_by is 'The admin or owner who invited (NULL when a service did, or once they left).';
comment on column base.organization_invitations.expires_at is
  'After this instant the invitation can no longer be accepted; at most 30 days after created_at (default 7 days).';
comment on column base.organization_invitations.accepted_at is 'When the addressee accepted; NULL while pending.';
comment on column base.organization_invitations.accepted_by is 'The user who accepted (their membership).';
comment on column base.organization_invitations.revoked_at is
  'When an admin or owner revoked it, or when it was superseded by a new invitation after expiring; NULL otherwise.';
comment on column base.organization_invitations.revoked_by is 'The admin or owner who revoked it (NULL when a service did).';

alter table base.organization_invitations enable row level security;

create policy select_admin_or_invitee on base.organization_invitations
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[])
         or lower(email) = lower((select base.current_user_email())));
comment on policy select_admin_or_invitee on base.organization_invitations is
  'Admins and owners see their organization''s invitations; a user sees the invitations addressed to the e-mail claim of their JWT, to accept them.';

create policy all_service_role on base.organization_invitations
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.organization_invitations is 'Trusted services manage every invitation.';

-- End users write only through the functions below.
grant select on base.organization_invitations to authenticated;
grant select, insert, update, delete on base.organization_invitations to service_role;

do $$ begin perform base.enable_audit('base.organization_invitations'); end $$;

-- invite_member ---------------------------------------------------------------------------------
create function internal.invite_member(organization_id uuid, email text,
                                   role base.organization_role default 'member',
                                   expires_in interval default interval '7 days')
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user       uuid := base.current_user_id();
  v_service    boolean := pg_catalog.pg_has_role(
                            coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
                            'service_role', 'USAGE');
  v_org        uuid := invite_member.organization_id;
  v_email      text := pg_catalog.btrim(invite_member.email);
  v_actor_role base.organization_role;
  v_id         uuid;
begin
  if v_org is null then
    raise exception 'invite_member: organization_id is required' using errcode = '22023';
  end if;
  if v_email is null or pg_catalog.length(v_email) > 320 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$' then
    raise exception 'invite_member: email must be an e-mail address (local@domain) of at most 320 characters'
      using errcode = '22023';
  end if;
  if invite_member.role is null then
    raise exception 'invite_member: role must be one of viewer, member, admin, owner' using errcode = '22023';
  end if;
  if invite_member.expires_in is null or invite_member.expires_in <= interval '0'
     or invite_member.expires_in > interval '30 days' then
    raise exception 'invite_member: expires_in must be more than 0 and at most 30 days'
      using errcode = '22023';
  end if;

  -- Same answer for an organization that does not exist and one the caller does not administer.
  if not v_service then
    select m.role into v_actor_role
      from base.organization_members as m
     where m.organization_id = v_org and m.user_id = v_user;
    if v_actor_role is null or v_actor_role < 'admin' then
      raise exception 'only admins and owners of organization % may invite members', v_org
        using errcode = '42501';
    end if;
    if invite_member.role = 'owner' and v_actor_role <> 'owner' then
      raise exception 'only owners of organization % may invite an owner', v_org
        using errcode = '42501', hint = 'Admins invite viewers, members and admins.';
    end if;
  end if;

  -- The members' addresses are visible to the admin already (base.users, select_self_or_colleague).
  if exists (select from base.organization_members as m
               join base.users as u on u.id = m.user_id
              where m.organization_id = v_org and pg_catalog.lower(u.email) = pg_catalog.lower(v_email)) then
    raise exception '% is already a member of organization %', v_email, v_org using errcode = '23505';
  end if;

  -- An expired invitation to the same address is superseded.
  update base.organization_invitations as i
     set revoked_at = pg_catalog.now(), revoked_by = case when v_actor_role is not null then v_user end
   where i.organization_id = v_org and pg_catalog.lower(i.email) = pg_catalog.lower(v_email)
     and i.accepted_at is null and i.revoked_at is null and i.expires_at <= pg_catalog.now();

  begin
    insert into base.organization_invitations (organization_id, email, role, invited_by, expires_at)
    values (v_org, v_email, invite_member.role, case when v_actor_role is not null then v_user end,
            pg_catalog.now() + invite_member.expires_in)
    returning id into v_id;
  exception when unique_violation then
    raise exception 'a pending invitation of % to organization % exists already', v_email, v_org
      using errcode = '23505', hint = 'Revoke it (base.revoke_invitation) to invite again.';
  end;
  return v_id;
end
$$;
comment on function internal.invite_member(uuid, text, base.organization_role, interval) is
  'The SECURITY DEFINER body of base.invite_member (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.invite_member(uuid, text, base.organization_role, interval) from public;
grant execute on function internal.invite_member(uuid, text, base.organization_role, interval) to authenticated, service_role;

create function base.invite_member(organization_id uuid, email text,
                                   role base.organization_role default 'member',
                                   expires_in interval default interval '7 days')
returns uuid
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.invite_member(invite_member.organization_id, invite_member.email, invite_member.role, invite_member.expires_in)
$$;

comment on function base.invite_member(uuid, text, base.organization_role, interval) is
  'Invites an e-mail address to the organization with a role (default member), valid for expires_in (default 7 days, at most 30). Admins and owners (and service_role); only owners invite owners. Returns the invitation id. 22023 bad argument, 42501 not an admin of that organization (same answer when it does not exist) or an admin inviting an owner, 23505 already a member or already invited.';
revoke execute on function base.invite_member(uuid, text, base.organization_role, interval) from public;
grant execute on function base.invite_member(uuid, text, base.organization_role, interval) to authenticated, service_role;

-- revoke_invitation -----------------------------------------------------------------------------
create function internal.revoke_invitation(invitation_id uuid)
returns base.organization_invitations
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user       uuid := base.current_user_id();
  v_service    boolean := pg_catalog.pg_has_role(
                            coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
                            'service_role', 'USAGE');
  v_inv        base.organization_invitations;
  v_actor_role base.organization_role;
begin
  -- Read without a lock first: nobody may lock an invitation they are not entitled to.
  select i.* into v_inv from base.organization_invitations as i where i.id = revoke_invitation.invitation_id;
  if v_inv.id is not null and not v_service then
    select m.role into v_actor_role
      from base.organization_members as m
     where m.organization_id = v_inv.organization_id and m.user_id = v_user;
  end if;
  if v_inv.id is null or not (v_service or coalesce(v_actor_role >= 'admin', false)) then
    raise exception 'no invitation % in an organization you administer', revoke_invitation.invitation_id
      using errcode = 'P0002';
  end if;
  if v_inv.role = 'owner' and not v_service and v_actor_role <> 'owner' then
    raise exception 'only owners of organization % may revoke an invitation to the owner role', v_inv.organization_id
      using errcode = '42501';
  end if;

  select i.* into v_inv from base.organization_invitations as i
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
     for update;
  if v_inv.accepted_at is not null then
    raise exception 'invitation % was accepted at %: remove the membership instead', v_inv.id, v_inv.accepted_at
      using errcode = '55000';
  elsif v_inv.revoked_at is not null then
    raise exception 'invitation % was already revoked at %', v_inv.id, v_inv.revoked_at using errcode = '55000';
  elsif v_inv.expires_at <= pg_catalog.now() then
    raise exception 'invitation % expired at %', v_inv.id, v_inv.expires_at using errcode = '55000';
  end if;

  update base.organization_invitations as i
     set revoked_at = pg_catalog.now(), revoked_by = case when v_actor_role is not null then v_user end
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
  returning i.* into v_inv;
  return v_inv;
end
$$;
comment on function internal.revoke_invitation(uuid) is
  'The SECURITY DEFINER body of base.revoke_invitation (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.revoke_invitation(uuid) from public;
grant execute on function internal.revoke_invitation(uuid) to authenticated, service_role;

create function base.revoke_invitation(invitation_id uuid)
returns base.organization_invitations
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.revoke_invitation(revoke_invitation.invitation_id)
$$;

comment on function base.revoke_invitation(uuid) is
  'Revokes a pending invitation; admins and owners of its organization (owners alone for an owner invitation) and service_role. Returns the revoked invitation. P0002 when it does not exist or the caller does not administer its organization (one answer for both), 42501 an admin revoking an owner invitation, 55000 already accepted, revoked or expired.';
revoke execute on function base.revoke_invitation(uuid) from public;
grant execute on function base.revoke_invitation(uuid) to authenticated, service_role;

-- accept_invitation -----------------------------------------------------------------------------
create function internal.accept_invitation(invitation_id uuid)
returns base.organization_members
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user   uuid := base.current_user_id();
  v_email  text := base.current_user_email();
  v_inv    base.organization_invitations;
  v_member base.organization_members;
begin
  if v_user is null then
    raise exception 'accepting an invitation needs a signed-in user'
      using errcode = '42501', hint = 'Call it with a JWT whose "sub" is your user id.';
  end if;
  if v_email is null then
    raise exception 'accepting an invitation needs the "email" claim of the identity provider in the request JWT'
      using errcode = '42501';
  end if;

  -- Read without a lock first: nobody may lock an invitation that is not theirs.
  select i.* into v_inv from base.organization_invitations as i where i.id = accept_invitation.invitation_id;
  if v_inv.id is null or pg_catalog.lower(v_inv.email) <> pg_catalog.lower(v_email) then
    -- An admin of the organization sees the invitation anyway: tell them why.
    if v_inv.id is not null and base.has_organization_role(v_inv.organization_id, 'admin') then
      raise exception 'invitation % is addressed to another e-mail address than yours', v_inv.id
        using errcode = '42501', hint = 'Only its addressee may accept it.';
    end if;
    raise exception 'no invitation % addressed to %', accept_invitation.invitation_id, v_email
      using errcode = 'P0002';
  end if;
  if not exists (select from base.users as u where u.id = v_user and u.is_active) then
    raise exception 'user % has no active profile in base.users', v_user
      using errcode = '55000', hint = 'Insert the user row (sign-up) first.';
  end if;

  select i.* into v_inv from base.organization_invitations as i
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id
     for update;
  if v_inv.accepted_at is not null then
    raise exception 'invitation % was already accepted at %', v_inv.id, v_inv.accepted_at using errcode = '55000';
  elsif v_inv.revoked_at is not null then
    raise exception 'invitation % was revoked at %', v_inv.id, v_inv.revoked_at using errcode = '55000';
  elsif v_inv.expires_at <= pg_catalog.now() then
    raise exception 'invitation % expired at %', v_inv.id, v_inv.expires_at
      using errcode = '55000', hint = 'Ask an admin of the organization for a new invitation.';
  end if;
  if exists (select from base.organization_members as m
              where m.organization_id = v_inv.organization_id and m.user_id = v_user) then
    raise exception 'user % is already a member of organization %', v_user, v_inv.organization_id
      using errcode = '23505';
  end if;

  insert into base.organization_members (organization_id, user_id, role, invited_by)
  values (v_inv.organization_id, v_user, v_inv.role, v_inv.invited_by)
  returning * into v_member;

  update base.organization_invitations as i
     set accepted_at = pg_catalog.now(), accepted_by = v_user
   where i.organization_id = v_inv.organization_id and i.id = v_inv.id;
  return v_member;
end
$$;
comment on function internal.accept_invitation(uuid) is
  'The SECURITY DEFINER body of base.accept_invitation (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.accept_invitation(uuid) from public;
grant execute on function internal.accept_invitation(uuid) to authenticated;

create function base.accept_invitation(invitation_id uuid)
returns base.organization_members
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.accept_invitation(accept_invitation.invitation_id)
$$;

comment on function base.accept_invitation(uuid) is
  'The invited user accepts a pending invitation as themselves: the e-mail claim of their JWT must be the invited address. Creates and returns their membership with the offered role. 42501 no user or no e-mail claim (or an admin accepting someone else''s invitation), P0002 no such invitation addressed to the caller (one answer for "not yours" and "does not exist"), 55000 already accepted, revoked or expired, or no active user row, 23505 already a member.';
revoke execute on function base.accept_invitation(uuid) from public;
grant execute on function base.accept_invitation(uuid) to authenticated;

commit;
