-- Deploy platform:prompts/search_templates to pg
-- Ranked full-text search over templates: name (weight A), category and description (B) from
-- prompt_templates.search_vector, and the active version's text (C) from
-- prompt_template_versions.search_vector. Both are stored generated columns with GIN indexes
-- (the versions' one partial on is_active), so a query is two bitmap index scans united by
-- template, then ranked: rank = ts_rank(template fields) + ts_rank(active text).
-- The query uses websearch_to_tsquery syntax ("quoted phrases", or, -excluded) with the
-- English configuration, like the columns. Invoker rights: RLS limits hits to the caller's
-- organizations.

begin;

create function prompts.search_templates(
  query             text,
  max_results       integer default 20,
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
as $$
declare
  v_query tsquery;
begin
  if search_templates.max_results is null or search_templates.max_results not between 1 and 100 then
    raise exception 'max_results must be between 1 and 100, got %', coalesce(search_templates.max_results::text, 'NULL')
      using errcode = '22023';
  end if;
  v_query := websearch_to_tsquery('english'::regconfig, coalesce(search_templates.query, ''));

  return query
  with hits as (
    select t.organization_id, t.id
      from prompts.prompt_templates as t
     where t.search_vector @@ v_query
       and (search_templates.p_organization_id is null or t.organization_id = search_templates.p_organization_id)
    union
    select v.organization_id, v.template_id
      from prompts.prompt_template_versions as v
     where v.is_active
       and v.search_vector @@ v_query
       and (search_templates.p_organization_id is null or v.organization_id = search_templates.p_organization_id)
  )
  select t.organization_id, t.id, t.name, t.category, t.description, v.id, v.version,
         (ts_rank(t.search_vector, v_query) + coalesce(ts_rank(v.search_vector, v_query), 0))::real as rank
    from hits as h
    join prompts.prompt_templates as t on t.organization_id = h.organization_id and t.id = h.id
    left join prompts.prompt_template_versions as v
      on v.organization_id = t.organization_id and v.template_id = t.id and v.is_active
   where search_templates.p_include_archived or not t.is_archived
   order by 8 desc, t.name, t.id
   limit search_templates.max_results;
end
$$;
comment on function prompts.search_templates(text, integer, uuid, boolean) is
  'Ranked full-text search (websearch syntax, English) over template name (A), category and description (B) and active version text (C): best matches first, at most max_results (1-100, else 22023), optionally within one organization, archived templates only on request. RLS applies.';

revoke execute on function prompts.search_templates(text, integer, uuid, boolean) from public;
grant execute on function prompts.search_templates(text, integer, uuid, boolean) to authenticated, service_role;

commit;
