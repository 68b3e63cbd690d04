-- Deploy platform:base/membership to pg
-- What every tenant policy asks: "which organizations may the caller act in, at this role?"
--
-- Policies use the array form, evaluated once per statement as an InitPlan and matched with an
-- index-friendly = ANY:
--     using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
-- (the cast stops the parser from reading it as ANY (subquery); the scalar subquery runs once, as an InitPlan)
-- These functions are SECURITY DEFINER because the membership table is itself under RLS.

begin;

create function internal.organization_ids_for(p_min_role base.organization_role)
returns uuid[]
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- PL/pgSQL, not SQL: a SQL function that cannot be inlined (SECURITY DEFINER) is planned again
  -- on every call, and every RLS check makes one; PL/pgSQL keeps its plan for the session.
  return (select coalesce(array_agg(m.organization_id), '{}')
            from base.organization_members as m
           where m.user_id = base.current_user_id()
             and m.role >= p_min_role);
end
$$;

comment on function internal.organization_ids_for(base.organization_role) is
  'The organizations in which the calling user holds at least p_min_role. Empty when nobody is authenticated. Used by RLS policies as = ANY((select ...)).';
revoke execute on function internal.organization_ids_for(base.organization_role) from public;
grant execute on function internal.organization_ids_for(base.organization_role) to authenticated, service_role;

-- SECURITY INVOKER: it only asks organization_ids_for, which is the definer, in the unexposed
-- internal schema (no definer function is callable through the Data API).
create function base.has_organization_role(p_organization_id uuid, p_min_role base.organization_role)
returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(p_organization_id = any (internal.organization_ids_for(p_min_role)), false)
$$;

comment on function base.has_organization_role(uuid, base.organization_role) is
  'True when the calling user holds at least p_min_role in the organization. For API functions that check a single organization; policies use internal.organization_ids_for().';
revoke execute on function base.has_organization_role(uuid, base.organization_role) from public;
grant execute on function base.has_organization_role(uuid, base.organization_role) to authenticated, service_role;

commit;
