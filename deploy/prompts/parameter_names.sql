-- Deploy platform:prompts/parameter_names to pg
-- One parameter naming rule (docs/conventions.md, "Naming"): functions of the exposed schemas take
-- bare nouns, functions of internal take p_ names. PostgreSQL cannot rename a parameter in place, so
-- each function is dropped and created again: same body logic (parameters qualified by the function
-- name), attributes, comment and grants. Renamed here:
--   prompts.execution_cost, json_value_has_type, model_price_at, organization_search_token,
--   render_template_text, subject_hash, template_placeholders, utf8_sha256 (p_text -> value),
--   validate_template, validate_variable_declarations: p_x -> x;
--   prompts.search_templates: p_organization_id -> only_organization_id (its result has an
--   organization_id column), p_include_archived -> include_archived;
--   internal.search_templates (query, max_results -> p_query, p_max_results), internal.put_context
--   (x -> p_x).
-- Dependants re-created: the generated columns prompt_templates.search_vector (with its GIN index)
-- and context_data.content_hash, which call organization_search_token and utf8_sha256. Both are
-- recomputed from their row (a rewrite of the two tables under this transaction's lock);
-- content_hash becomes the last column of context_data.
--
-- squawk: a parameter is renamed only by DROP FUNCTION and CREATE FUNCTION in one transaction;
-- callers using positional notation see no change, named-notation callers of the old names are the
-- breaking change this release lists.
-- squawk-ignore-file ban-drop-function
-- The generated columns are dropped and added again in the same transaction (no other session sees
-- the table without them); adding a stored generated column rewrites the table under the lock the
-- drop took, and the GIN index is built inside it (CONCURRENTLY cannot run in a transaction).
-- squawk-ignore-file ban-drop-column, require-concurrent-index-deletion, require-concurrent-index-creation, adding-field-with-default

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

-- The generated columns that call organization_search_token and utf8_sha256 go first (the GIN
-- index on search_vector with its column).
drop index prompts.prompt_templates_search_vector_idx;
alter table prompts.prompt_templates drop column search_vector;
alter table prompts.context_data drop column content_hash;

drop function prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer);
drop function prompts.json_value_has_type(jsonb, text);
drop function prompts.model_price_at(uuid, text, timestamp with time zone);
drop function prompts.organization_search_token(uuid);
drop function prompts.render_template_text(text, jsonb, jsonb);
drop function internal.search_templates(text, integer, uuid, boolean);
drop function prompts.search_templates(text, integer, uuid, boolean);
drop function prompts.subject_hash(uuid, text);
drop function prompts.template_placeholders(text);
drop function prompts.utf8_sha256(text);
drop function prompts.validate_template(text, jsonb);
drop function prompts.validate_variable_declarations(jsonb);
drop function internal.put_context(uuid, text, text, interval, jsonb);

create function prompts.execution_cost(organization_id uuid, model text, at timestamp with time zone, input_tokens integer, output_tokens integer)
returns numeric
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_price record;
begin
  select * into v_price from prompts.model_price_at(execution_cost.organization_id, execution_cost.model, execution_cost.at);
  if v_price.input_price_per_mtok is null then
    raise exception 'model "%" has no price in effect at %', execution_cost.model, execution_cost.at
      using errcode = '55000',
            hint = 'Add a row to prompts.model_prices (or prompts.organization_model_prices) with effective_from at or before that time.';
  end if;
  return round((coalesce(execution_cost.input_tokens, 0) * v_price.input_price_per_mtok
              + coalesce(execution_cost.output_tokens, 0) * v_price.output_price_per_mtok) / 1000000, 8);
end
$function$;
comment on function prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer) is
  'USD cost of input and output tokens of a model at an instant for an organization (prompts.model_price_at), rounded to 8 decimals. 55000 when no price is in effect.';
revoke execute on function prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer) from public;
grant execute on function prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer) to authenticated, service_role;

create function prompts.json_value_has_type(value jsonb, type text)
returns boolean
language sql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
  select case when (coalesce(length(json_value_has_type.type), 0) <= 16 or base.refuse_oversized('type', length(json_value_has_type.type), 16))
              and (coalesce(pg_column_size(json_value_has_type.value), 0) <= 1048576 or base.refuse_oversized('value', pg_column_size(json_value_has_type.value), 1048576)) then case json_value_has_type.type
           when 'string'  then jsonb_typeof(json_value_has_type.value) = 'string'
           when 'number'  then jsonb_typeof(json_value_has_type.value) = 'number'
           -- a nested CASE, so the cast runs only on numbers
           when 'integer' then case when jsonb_typeof(json_value_has_type.value) = 'number'
                                    then (json_value_has_type.value #>> '{}')::numeric = trunc((json_value_has_type.value #>> '{}')::numeric)
                                    else false end
           when 'boolean' then jsonb_typeof(json_value_has_type.value) = 'boolean'
           when 'array'   then jsonb_typeof(json_value_has_type.value) = 'array'
           when 'object'  then jsonb_typeof(json_value_has_type.value) = 'object'
           else false
         end end
$function$;
comment on function prompts.json_value_has_type(jsonb, text) is
  'True when a JSON value is of a declared variable type: string, number, integer (a number without fraction), boolean, array or object. JSON null is of no type.';
revoke execute on function prompts.json_value_has_type(jsonb, text) from public;
grant execute on function prompts.json_value_has_type(jsonb, text) to authenticated, service_role;

create function prompts.model_price_at(organization_id uuid, model text, at timestamp with time zone, out input_price_per_mtok numeric, out output_price_per_mtok numeric, out price_source text)
returns record
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $function$
begin
  if length(model_price_at.model) > 128 then
    raise exception 'a model name is at most 128 characters (got %)', length(model_price_at.model) using errcode = '22023';
  end if;
  select o.input_price_per_mtok, o.output_price_per_mtok, 'organization'
    into input_price_per_mtok, output_price_per_mtok, price_source
    from prompts.organization_model_prices as o
   where o.organization_id = model_price_at.organization_id and o.model = model_price_at.model and o.effective_from <= model_price_at.at
   order by o.effective_from desc
   limit 1;
  if found then
    return;
  end if;
  select c.input_price_per_mtok, c.output_price_per_mtok, 'catalog'
    into input_price_per_mtok, output_price_per_mtok, price_source
    from prompts.model_prices as c
   where c.model = model_price_at.model and c.effective_from <= model_price_at.at
   order by c.effective_from desc
   limit 1;
end
$function$;
comment on function prompts.model_price_at(uuid, text, timestamp with time zone) is
  'Price in effect for an organization, model and instant: the organization''s own latest price with effective_from <= at, else the catalog''s. NULLs when the model has no price yet.';
revoke execute on function prompts.model_price_at(uuid, text, timestamp with time zone) from public;
grant execute on function prompts.model_price_at(uuid, text, timestamp with time zone) to authenticated, service_role;

create function prompts.organization_search_token(organization_id uuid)
returns text
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$ select 'org' || replace(organization_search_token.organization_id::text, '-', '') $function$;
comment on function prompts.organization_search_token(uuid) is
  'The lexeme that marks a template''s organization in its search vector: org followed by the 32 hex digits of the id.';
revoke execute on function prompts.organization_search_token(uuid) from public;
grant execute on function prompts.organization_search_token(uuid) to authenticated, service_role;

create function prompts.render_template_text(template_text text, declared jsonb, variables jsonb)
returns text
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_values   jsonb := '{}'::jsonb;
  v_decl     jsonb;
  v_name     text;
  v_type     text;
  v_value    jsonb;
  v_unknown  text;
  v_parts    text[];
  v_names    text[];
  v_out      text;
begin
  if render_template_text.variables is null then
    render_template_text.variables := '{}'::jsonb;
  end if;
  if jsonb_typeof(render_template_text.variables) <> 'object' then
    raise exception 'variables must be a JSON object of name: value, got %', jsonb_typeof(render_template_text.variables)
      using errcode = '22023';
  end if;

  select k into v_unknown
    from jsonb_object_keys(render_template_text.variables) as k
   where not exists (select from jsonb_array_elements(render_template_text.declared) as d where d ->> 'name' = k)
   order by k
   limit 1;
  if v_unknown is not null then
    raise exception 'unknown variable "%"; declared: %', v_unknown,
                    coalesce(nullif((select string_agg(d ->> 'name', ', ') from jsonb_array_elements(render_template_text.declared) as d), ''), '(none)')
      using errcode = '22023';
  end if;

  for v_decl in select d from jsonb_array_elements(render_template_text.declared) as d loop
    v_name := v_decl ->> 'name';
    v_type := v_decl ->> 'type';
    if render_template_text.variables ? v_name then
      v_value := render_template_text.variables -> v_name;
      if not prompts.json_value_has_type(v_value, v_type) then
        raise exception 'variable "%" must be of type %, got %', v_name, v_type, jsonb_typeof(v_value)
          using errcode = '22023';
      end if;
    elsif coalesce((v_decl ->> 'required')::boolean, true) then
      raise exception 'missing required variable "%"', v_name
        using errcode = '22023';
    else
      v_value := v_decl -> 'default';
    end if;
    v_values := v_values || jsonb_build_object(v_name, v_value);
  end loop;

  -- Single pass: the text between placeholders, and the placeholders, in order.
  v_parts := regexp_split_to_array(render_template_text.template_text, prompts.placeholder_pattern());
  v_names := array(select m[1] from regexp_matches(render_template_text.template_text, prompts.placeholder_pattern(), 'g') as m);
  v_out := v_parts[1];
  for v_i in 1 .. coalesce(array_length(v_names, 1), 0) loop
    v_value := v_values -> v_names[v_i];
    if v_value is null then
      -- Only reachable with a text that was never validated against these declarations.
      raise exception 'placeholder "{{%}}" is not a declared variable', v_names[v_i]
        using errcode = '22023';
    end if;
    v_out := v_out
          || case jsonb_typeof(v_value) when 'string' then v_value #>> '{}' else v_value::text end
          || v_parts[v_i + 1];
  end loop;
  return v_out;
end
$function$;
comment on function prompts.render_template_text(text, jsonb, jsonb) is
  'Renders a template text with the given variables (a JSON object) against its declarations: applies defaults, substitutes verbatim in a single pass (nothing escaped, values never re-expanded). 22023 naming the variable for a missing required, an unknown or a wrongly typed variable.';
revoke execute on function prompts.render_template_text(text, jsonb, jsonb) from public;
grant execute on function prompts.render_template_text(text, jsonb, jsonb) to authenticated, service_role;

create function internal.search_templates(p_query text, p_max_results integer default 20, p_organization_id uuid default NULL::uuid, p_include_archived boolean default false)
returns table (organization_id uuid, template_id uuid, name text, category text, description text, template_version_id uuid, version integer, rank real)
language plpgsql
stable security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_query   tsquery;
  v_scope   uuid[];
  v_filter  tsquery;
  v_service boolean := base.current_user_id() is null
                       and pg_catalog.current_setting('role') = 'service_role';
begin
  if p_max_results is null or p_max_results not between 1 and 100 then
    raise exception 'max_results must be between 1 and 100, got %', coalesce(p_max_results::text, 'NULL')
      using errcode = '22023';
  end if;
  -- A search box's worth of text: the parser's work (and its recursion) grows with the query.
  if pg_catalog.length(p_query) > 500 then
    raise exception 'a search query is at most 500 characters, got %', pg_catalog.length(p_query)
      using errcode = '22023';
  end if;
  v_query := pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(p_query, ''));
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
   limit p_max_results;
end
$function$;
comment on function internal.search_templates(text, integer, uuid, boolean) is
  'The SECURITY DEFINER body of prompts.search_templates (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.search_templates(text, integer, uuid, boolean) from public;
grant execute on function internal.search_templates(text, integer, uuid, boolean) to authenticated, service_role;

create function prompts.search_templates(query text, max_results integer default 20, only_organization_id uuid default NULL::uuid, include_archived boolean default false)
returns table (organization_id uuid, template_id uuid, name text, category text, description text, template_version_id uuid, version integer, rank real)
language sql
stable
set search_path = pg_catalog, pg_temp
as $function$
  select * from internal.search_templates(search_templates.query, search_templates.max_results, search_templates.only_organization_id, search_templates.include_archived)
$function$;
comment on function prompts.search_templates(text, integer, uuid, boolean) is
  'Ranked full-text search (websearch syntax, English) over template name (A), category and description (B) and active version text (C): best matches first, at most max_results (1-100, else 22023); the query is at most 500 characters and 200 terms (else 22023), in the caller''s organizations (all for the service role) or in only_organization_id among them, archived templates only on request. SECURITY DEFINER with the select policy''s organization check built in, so the GIN index serves it.';
revoke execute on function prompts.search_templates(text, integer, uuid, boolean) from public;
grant execute on function prompts.search_templates(text, integer, uuid, boolean) to authenticated, service_role;

create function prompts.subject_hash(experiment_id uuid, subject_key text)
returns bigint
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select case when (length(subject_hash.subject_key) <= 1000 or base.refuse_oversized('subject_key', length(subject_hash.subject_key), 1000)) then ('x' || substr(md5(subject_hash.experiment_id::text || ':' || subject_hash.subject_key), 1, 15))::bit(60)::bigint end
$function$;
comment on function prompts.subject_hash(uuid, text) is
  'Non-negative 60-bit hash of (experiment, subject): the first 15 hex digits of md5(experiment_id || '':'' || subject_key). pick_variation() scales it to [0, total weight).';
revoke execute on function prompts.subject_hash(uuid, text) from public;
grant execute on function prompts.subject_hash(uuid, text) to authenticated, service_role;

create function prompts.template_placeholders(template_text text)
returns text[]
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_rest  text;
  v_at    integer;
  v_near  text;
begin
  if length(template_placeholders.template_text) > 100000 then
    raise exception 'a template text is at most 100000 characters (got %)', length(template_placeholders.template_text)
      using errcode = '22023';
  end if;
  v_rest := regexp_replace(template_placeholders.template_text, prompts.placeholder_pattern(), '', 'g');
  v_at := strpos(v_rest, '{{');
  if v_at > 0 then
    v_near := substring(v_rest from v_at for 40);
    if strpos(v_near, '}}') > 0 then
      v_near := substring(v_near from 1 for strpos(v_near, '}}') + 1);
    end if;
    raise exception 'malformed placeholder near "%"', v_near
      using errcode = '22023',
            detail = 'A placeholder is {{name}}: a name of letters, digits and underscores that does not start with a digit, at most 64 characters.',
            hint = 'For a literal "{{", declare a variable whose default is "{{" and use it.';
  end if;
  return array(select m.name
                 from (select x.match[1] as name, min(x.ordinality) as first_seen
                         from regexp_matches(template_placeholders.template_text, prompts.placeholder_pattern(), 'g')
                              with ordinality as x(match, ordinality)
                        group by x.match[1]) as m
                order by m.first_seen);
end
$function$;
comment on function prompts.template_placeholders(text) is
  'Distinct placeholder names of a template text in order of first appearance. 22023 when a "{{" does not open a well-formed {{name}} placeholder.';
revoke execute on function prompts.template_placeholders(text) from public;
grant execute on function prompts.template_placeholders(text) to authenticated, service_role;

create function prompts.utf8_sha256(value text)
returns bytea
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select case when (octet_length(utf8_sha256.value) <= 4194304 or base.refuse_oversized('value', octet_length(utf8_sha256.value), 4194304))
              then sha256(convert_to(utf8_sha256.value, 'UTF8')) end
$function$;
comment on function prompts.utf8_sha256(text) is
  'sha256 of the UTF-8 encoding of a text (32 bytes), as any other language computes it. Used for prompt hashes and context content hashes.';
revoke execute on function prompts.utf8_sha256(text) from public;
grant execute on function prompts.utf8_sha256(text) to authenticated, service_role;

create function prompts.validate_template(template_text text, variables jsonb)
returns void
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_declared text[];
  v_name     text;
begin
  perform prompts.validate_variable_declarations(validate_template.variables);
  v_declared := array(select d ->> 'name' from jsonb_array_elements(validate_template.variables) as d);
  foreach v_name in array prompts.template_placeholders(validate_template.template_text) loop
    if not v_name = any (v_declared) then
      raise exception 'placeholder "{{%}}" is not a declared variable; declared: %', v_name,
                      coalesce(nullif(array_to_string(v_declared, ', '), ''), '(none)')
        using errcode = '22023', hint = 'Declare it in variables, or fix its spelling.';
    end if;
  end loop;
end
$function$;
comment on function prompts.validate_template(text, jsonb) is
  'Raises 22023 when the declarations are malformed, when a "{{" opens no well-formed placeholder, or when a placeholder names an undeclared variable.';
revoke execute on function prompts.validate_template(text, jsonb) from public;
grant execute on function prompts.validate_template(text, jsonb) to authenticated, service_role;

create function prompts.validate_variable_declarations(variables jsonb)
returns void
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_decl     jsonb;
  v_pos      integer;
  v_name     text;
  v_type     text;
  v_required boolean;
  v_key      text;
  v_seen     text[] := '{}'::text[];
begin
  if jsonb_typeof(validate_variable_declarations.variables) is distinct from 'array' then
    raise exception 'variables must be a JSON array of declarations, got %', coalesce(jsonb_typeof(validate_variable_declarations.variables), 'NULL')
      using errcode = '22023',
            hint = 'Example: [{"name": "repository", "type": "string", "required": true}]';
  end if;
  if jsonb_array_length(validate_variable_declarations.variables) > 100 then
    raise exception 'a template declares at most 100 variables, got %', jsonb_array_length(validate_variable_declarations.variables)
      using errcode = '22023';
  end if;

  for v_decl, v_pos in select e.value, e.ordinality from jsonb_array_elements(validate_variable_declarations.variables) with ordinality as e loop
    if jsonb_typeof(v_decl) <> 'object' or jsonb_typeof(v_decl -> 'name') is distinct from 'string' then
      raise exception 'variable declaration % must be an object with a string "name"', v_pos
        using errcode = '22023';
    end if;
    v_name := v_decl ->> 'name';
    if v_name !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$' then
      raise exception 'variable name "%" is invalid', v_name
        using errcode = '22023',
              detail = 'Names are letters, digits and underscores, do not start with a digit, at most 64 characters.';
    end if;
    if v_name = any (v_seen) then
      raise exception 'variable "%" is declared twice', v_name using errcode = '22023';
    end if;
    v_seen := v_seen || v_name;

    for v_key in select k from jsonb_object_keys(v_decl) as k order by k loop
      if v_key not in ('name', 'type', 'required', 'default', 'description') then
        raise exception 'variable "%" has unknown key "%"; allowed: name, type, required, default, description', v_name, v_key
          using errcode = '22023';
      end if;
    end loop;

    v_type := v_decl ->> 'type';
    if jsonb_typeof(v_decl -> 'type') is distinct from 'string'
       or v_type not in ('string', 'number', 'integer', 'boolean', 'array', 'object') then
      raise exception 'variable "%" has type %; allowed: string, number, integer, boolean, array, object',
                      v_name, coalesce(v_decl ->> 'type', 'missing')
        using errcode = '22023';
    end if;

    if v_decl ? 'required' and jsonb_typeof(v_decl -> 'required') <> 'boolean' then
      raise exception 'variable "%": "required" must be true or false', v_name using errcode = '22023';
    end if;
    if v_decl ? 'description' and jsonb_typeof(v_decl -> 'description') <> 'string' then
      raise exception 'variable "%": "description" must be a string', v_name using errcode = '22023';
    end if;
    v_required := coalesce((v_decl ->> 'required')::boolean, true);

    if v_required and v_decl ? 'default' then
      raise exception 'required variable "%" cannot have a default', v_name
        using errcode = '22023', hint = 'Declare it with "required": false to give it a default.';
    end if;
    if not v_required and not v_decl ? 'default' then
      raise exception 'optional variable "%" needs a default', v_name
        using errcode = '22023', hint = 'Give an explicit default (an empty string is a valid default for a string).';
    end if;
    if not v_required and not prompts.json_value_has_type(v_decl -> 'default', v_type) then
      raise exception 'default of variable "%" must be of type %, got %', v_name, v_type, jsonb_typeof(v_decl -> 'default')
        using errcode = '22023';
    end if;
  end loop;
end
$function$;
comment on function prompts.validate_variable_declarations(jsonb) is
  'Raises 22023 unless the declarations are a JSON array (at most 100) of {name, type, required, default, description} with valid, unique names, a known type, no default on a required variable and a default of the right type on an optional one.';
revoke execute on function prompts.validate_variable_declarations(jsonb) from public;
grant execute on function prompts.validate_variable_declarations(jsonb) to authenticated, service_role;

create function internal.put_context(p_source_id uuid, p_key text, p_content text, p_ttl interval default NULL::interval, p_metadata jsonb default '{}'::jsonb)
returns prompts.context_data
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_source  prompts.context_sources;
  v_caller  text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_ttl     interval;
  v_now     timestamptz := pg_catalog.clock_timestamp();
  v_row     prompts.context_data;
begin
  select * into v_source from prompts.context_sources as s where s.id = p_source_id;
  -- Not a member: the source does not exist for the caller (nothing leaks about other tenants).
  if not found or (v_caller <> 'service_role' and not base.has_organization_role(v_source.organization_id, 'member')) then
    raise exception 'context source % not found', p_source_id
      using errcode = 'P0002', hint = 'Writing context takes the member role in the source''s organization.';
  end if;
  if not v_source.is_active then
    raise exception 'context source % is inactive and accepts no new content', v_source.id
      using errcode = '55000', hint = 'Set is_active = true on the source first.';
  end if;

  v_ttl := coalesce(p_ttl, v_source.default_ttl);
  if v_ttl <= interval '0' or v_ttl > interval '30 days' then
    raise exception 'ttl % is out of range; allowed: more than 0 and at most 30 days', v_ttl
      using errcode = '22023';
  end if;
  if p_content is null then
    raise exception 'put_context needs content (an empty string is valid)' using errcode = '22023';
  end if;

  insert into prompts.context_data as d
    (organization_id, source_id, context_key, content, metadata, fetched_at, expires_at)
  values
    (v_source.organization_id, v_source.id, p_key, p_content,
     coalesce(p_metadata, '{}'), v_now, v_now + v_ttl)
  on conflict on constraint context_data_organization_id_source_id_context_key_key do update
     set content    = excluded.content,
         metadata   = excluded.metadata,
         fetched_at = excluded.fetched_at,
         expires_at = excluded.expires_at
  returning d.* into v_row;
  return v_row;
end
$function$;
comment on function internal.put_context(uuid, text, text, interval, jsonb) is
  'The SECURITY DEFINER body of prompts.put_context (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.put_context(uuid, text, text, interval, jsonb) from public;
grant execute on function internal.put_context(uuid, text, text, interval, jsonb) to authenticated, service_role;

-- On Citus (citus/distribute), every function of the package is propagated to the workers; a
-- function created again is propagated again. Nothing happens where citus is absent.
do $citus$
declare
  v_sig text;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  for v_sig in
    select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p
     where p.oid = any (array[
        'prompts.execution_cost(uuid, text, timestamp with time zone, integer, integer)',
        'prompts.json_value_has_type(jsonb, text)',
        'prompts.model_price_at(uuid, text, timestamp with time zone)',
        'prompts.organization_search_token(uuid)',
        'prompts.render_template_text(text, jsonb, jsonb)',
        'internal.search_templates(text, integer, uuid, boolean)',
        'prompts.search_templates(text, integer, uuid, boolean)',
        'prompts.subject_hash(uuid, text)',
        'prompts.template_placeholders(text)',
        'prompts.utf8_sha256(text)',
        'prompts.validate_template(text, jsonb)',
        'prompts.validate_variable_declarations(jsonb)',
        'internal.put_context(uuid, text, text, interval, jsonb)'
]::regprocedure[])
       and not exists (select from pg_dist_object as o
                        where o.classid = 'pg_catalog.pg_proc'::regclass and o.objid = p.oid)
       -- as citus/distribute: functions of the coordinator's local tables stay on the coordinator
       and not exists (select from pg_catalog.pg_depend as d
                         join pg_catalog.pg_type as t on t.oid = d.refobjid
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                          and d.refclassid = 'pg_catalog.pg_type'::regclass and t.typrelid <> 0
                          and not exists (select from pg_dist_partition as dp where dp.logicalrelid = t.typrelid))
     order by p.oid
  loop
    perform pg_catalog.create_distributed_function(v_sig::regprocedure);
  end loop;
end
$citus$;

-- The same generated columns again, computed from each row.
alter table prompts.prompt_templates
  add column search_vector tsvector not null generated always as (
    setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, replace(coalesce(category, ''), '_', ' ')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(active_template_text, '')), 'C')
    || setweight(to_tsvector('simple'::regconfig, prompts.organization_search_token(organization_id)), 'D')) stored;
create index prompt_templates_search_vector_idx on prompts.prompt_templates using gin (search_vector);
comment on column prompts.prompt_templates.search_vector is
  'Generated: name (weight A), category and description (B), active text (C), English configuration; plus the organization token (D, prompts.organization_search_token). Read by prompts.search_templates().';
alter table prompts.context_data
  add column content_hash bytea not null generated always as (prompts.utf8_sha256(content)) stored;
comment on column prompts.context_data.content_hash is 'Generated: sha256 of the content''s UTF-8 bytes; compare to skip re-processing unchanged context.';

commit;
