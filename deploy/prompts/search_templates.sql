-- Deploy platform:prompts/search_templates to pg
-- Ranked full-text search over templates: one GIN-indexed stored generated tsvector per template
-- (prompt_templates.search_vector: name A, category and description B, active text C).
--   * The query uses websearch_to_tsquery syntax ("quoted phrases", or, -excluded) with the
--     English configuration, like the column; rank = ts_rank(search_vector, query), best first,
--     then name.
--   * SECURITY DEFINER, with the tenant check written out, because under RLS the GIN index is
--     out of reach: the planner may not evaluate a non-leakproof operator such as tsvector @@
--     tsquery before the policy's condition, so it could only read all the caller's templates
--     and test each (about 50 ms for 10,000 templates). Here the caller's organizations come
--     from internal.organization_ids_for('viewer'), the very list the select policy checks, and
--     are ANDed into the GIN lookup as their tokens (prompts.organization_search_token), so the
--     index returns only the caller's matches; organization_id = any(...) is checked on every
--     row as well. The function returns only columns the caller may read in those rows.
--   * The service role (no user, role service_role) searches every organization, or the one
--     it names in p_organization_id. A user naming an organization they do not belong to gets
--     nothing, as RLS would give them.
begin;

create function internal.search_templates(
  query               text,
  max_results         integer default 20,
  p_organization_id   uuid    default null,
  p_include_archived  boolean default false)
returns table (
  organization_id      uuid,
  template_id          uuid,
  name                 text,
  category             text,
  description          text,
  template_version_id  uuid,
  version              integer,
  rank                 real)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_query   tsquery;
  v_scope   uuid[];
  v_filter  tsquery;
  v_service boolean := base.current_user_id() is null
                       and pg_catalog.current_setting('role') = 'service_role';
begin
  if search_templates.max_results is null or search_templates.max_results not between 1 and 100 then
    raise exception 'max_results must be between 1 and 100, got %', coalesce(search_templates.max_results::text, 'NULL')
      using errcode = '22023';
  end if;
  -- A search box's worth of text: the parser's work (and its recursion) grows with the query.
  if pg_catalog.length(search_templates.query) > 500 then
    raise exception 'a search query is at most 500 characters, got %', pg_catalog.length(search_templates.query)
      using errcode = '22023';
  end if;
  v_query := pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(search_templates.query, ''));
  if pg_catalog.numnode(v_query) > 200 then
    raise exception 'a search query has at most 200 terms and operators, got %', pg_catalog.numnode(v_query)
      using errcode = '22023';
  end if;
  if pg_catalog.numnode(v_query) = 0 then
    return;  -- nothing but stop words
  end if;

  if v_service then
    v_scope := case when search_templates.p_organization_id is not null
                    then array[search_templates.p_organization_id] end;  -- NULL: every organization
  else
    v_scope := internal.organization_ids_for('viewer');
    if search_templates.p_organization_id is not null then
      v_scope := case when search_templates.p_organization_id = any (v_scope)
                      then array[search_templates.p_organization_id] else '{}' end;
    end if;
    if cardinality(v_scope) = 0 then
      return;  -- no organization to search in
    end if;
  end if;

  v_filter := v_query;
  if v_scope is not null then
    v_filter := v_query && (select pg_catalog.string_agg(prompts.organization_search_token(o), ' | ')
                              from pg_catalog.unnest(v_scope) as o)::tsquery;
  end if;

  return query
  select t.organization_id, t.id, t.name, t.category, t.description, t.active_version_id, t.active_version,
         pg_catalog.ts_rank(t.search_vector, v_query) as rank
    from prompts.prompt_templates as t
   where t.search_vector @@ v_filter
     and (v_scope is null or t.organization_id = any (v_scope))
     and (search_templates.p_include_archived or not t.is_archived)
   order by 8 desc, t.name, t.id
   limit search_templates.max_results;
end
$$;
comment on function internal.search_templates(text, integer, uuid, boolean) is
  'The SECURITY DEFINER body of prompts.search_templates (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.search_templates(text, integer, uuid, boolean) from public;
grant execute on function internal.search_templates(text, integer, uuid, boolean) to authenticated, service_role;

create function prompts.search_templates(
  query               text,
  max_results         integer default 20,
  p_organization_id   uuid    default null,
  p_include_archived  boolean default false)
returns table (
  organization_id      uuid,
  template_id          uuid,
  name                 text,
  category             text,
  description          text,
  template_version_id  uuid,
  version              integer,
  rank                 real)
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select * from internal.search_templates(search_templates.query, search_templates.max_results, search_templates.p_organization_id, search_templates.p_include_archived)
$$;
comment on function prompts.search_templates(text, integer, uuid, boolean) is
  'Ranked full-text search (websearch syntax, English) over template name (A), category and description (B) and active version text (C): best matches first, at most max_results (1-100, else 22023); the query is at most 500 characters and 200 terms (else 22023), in the caller''s organizations (all for the service role) or in p_organization_id among them, archived templates only on request. SECURITY DEFINER with the select policy''s organization check built in, so the GIN index serves it.';

revoke execute on function prompts.search_templates(text, integer, uuid, boolean) from public;
grant execute on function prompts.search_templates(text, integer, uuid, boolean) to authenticated, service_role;

commit;
