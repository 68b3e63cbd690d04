-- Deploy platform:prompts/template_text to pg
-- The template language, as pure (IMMUTABLE) functions that template versions validate with and
-- render_prompt renders with. Kept apart from the tables so the rules live in one place and can
-- be tested without data.
--
-- The language, deliberately small:
--   * a placeholder is {{name}} (spaces inside the braces allowed: {{ name }}), name matching
--     [A-Za-z_][A-Za-z0-9_]{0,63};
--   * any other "{{" in the text is an error when the version is created (22023): a typo such as
--     {{ repo-name }} must not reach a model as literal text. A literal "{{" is written through
--     a variable whose default is "{{" (the substitution is single-pass, see below);
--   * every placeholder must name a declared variable (22023 at version creation); a declared
--     variable need not appear in the text (a caller may keep sending a variable a later
--     version stopped using);
--   * declarations are a JSON array of objects {name, type, required, default, description}:
--     type is one of string, number, integer, boolean, array, object; required defaults to true;
--     a required variable takes no default and an optional one must have a default of its type,
--     so an absent variable never turns silently into an empty string;
--   * rendering substitutes values verbatim and in a single pass: nothing is escaped, quoted or
--     trimmed, and a value containing "{{x}}" is not expanded again (no injection through
--     values). Strings are inserted as their text; numbers, booleans, arrays and objects as
--     their JSON text;
--   * a missing required variable, a variable that is not declared, or a value of the wrong
--     type (JSON null included) raises 22023 naming the variable.

begin;

-- The placeholder pattern, shared by every function below.
create function prompts.placeholder_pattern()
returns text
language sql
immutable
parallel safe
as $$ select '\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}' $$;
comment on function prompts.placeholder_pattern() is
  'The regular expression of a placeholder, {{name}} with optional spaces inside the braces; capture group 1 is the name.';

-- The variable types a declaration may name and the test each value must pass.
create function prompts.json_value_has_type(p_value jsonb, p_type text)
returns boolean
language sql
immutable
parallel safe
as $$
  select case when (coalesce(length(p_type), 0) <= 16 or base.refuse_oversized('p_type', length(p_type), 16))
              and (coalesce(pg_column_size(p_value), 0) <= 1048576 or base.refuse_oversized('p_value', pg_column_size(p_value), 1048576)) then case p_type
           when 'string'  then jsonb_typeof(p_value) = 'string'
           when 'number'  then jsonb_typeof(p_value) = 'number'
           -- a nested CASE, so the cast runs only on numbers
           when 'integer' then case when jsonb_typeof(p_value) = 'number'
                                    then (p_value #>> '{}')::numeric = trunc((p_value #>> '{}')::numeric)
                                    else false end
           when 'boolean' then jsonb_typeof(p_value) = 'boolean'
           when 'array'   then jsonb_typeof(p_value) = 'array'
           when 'object'  then jsonb_typeof(p_value) = 'object'
           else false
         end end
$$;
comment on function prompts.json_value_has_type(jsonb, text) is
  'True when a JSON value is of a declared variable type: string, number, integer (a number without fraction), boolean, array or object. JSON null is of no type.';

-- The distinct placeholder names of a text, in order of first appearance; 22023 for any "{{"
-- that does not open a well-formed placeholder.
create function prompts.template_placeholders(p_template_text text)
returns text[]
language plpgsql
immutable
parallel safe
as $$
declare
  v_rest  text;
  v_at    integer;
  v_near  text;
begin
  if length(p_template_text) > 100000 then
    raise exception 'a template text is at most 100000 characters (got %)', length(p_template_text)
      using errcode = '22023';
  end if;
  v_rest := regexp_replace(p_template_text, prompts.placeholder_pattern(), '', 'g');
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
                         from regexp_matches(p_template_text, prompts.placeholder_pattern(), 'g')
                              with ordinality as x(match, ordinality)
                        group by x.match[1]) as m
                order by m.first_seen);
end
$$;
comment on function prompts.template_placeholders(text) is
  'Distinct placeholder names of a template text in order of first appearance. 22023 when a "{{" does not open a well-formed {{name}} placeholder.';

-- Raises 22023 unless the declarations are well formed.
create function prompts.validate_variable_declarations(p_variables jsonb)
returns void
language plpgsql
immutable
parallel safe
as $$
declare
  v_decl     jsonb;
  v_pos      integer;
  v_name     text;
  v_type     text;
  v_required boolean;
  v_key      text;
  v_seen     text[] := '{}'::text[];
begin
  if jsonb_typeof(p_variables) is distinct from 'array' then
    raise exception 'variables must be a JSON array of declarations, got %', coalesce(jsonb_typeof(p_variables), 'NULL')
      using errcode = '22023',
            hint = 'Example: [{"name": "repository", "type": "string", "required": true}]';
  end if;
  if jsonb_array_length(p_variables) > 100 then
    raise exception 'a template declares at most 100 variables, got %', jsonb_array_length(p_variables)
      using errcode = '22023';
  end if;

  for v_decl, v_pos in select e.value, e.ordinality from jsonb_array_elements(p_variables) with ordinality as e loop
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
$$;
comment on function prompts.validate_variable_declarations(jsonb) is
  'Raises 22023 unless the declarations are a JSON array (at most 100) of {name, type, required, default, description} with valid, unique names, a known type, no default on a required variable and a default of the right type on an optional one.';

-- Raises 22023 unless the text and the declarations fit together.
create function prompts.validate_template(p_template_text text, p_variables jsonb)
returns void
language plpgsql
immutable
parallel safe
as $$
declare
  v_declared text[];
  v_name     text;
begin
  perform prompts.validate_variable_declarations(p_variables);
  v_declared := array(select d ->> 'name' from jsonb_array_elements(p_variables) as d);
  foreach v_name in array prompts.template_placeholders(p_template_text) loop
    if not v_name = any (v_declared) then
      raise exception 'placeholder "{{%}}" is not a declared variable; declared: %', v_name,
                      coalesce(nullif(array_to_string(v_declared, ', '), ''), '(none)')
        using errcode = '22023', hint = 'Declare it in variables, or fix its spelling.';
    end if;
  end loop;
end
$$;
comment on function prompts.validate_template(text, jsonb) is
  'Raises 22023 when the declarations are malformed, when a "{{" opens no well-formed placeholder, or when a placeholder names an undeclared variable.';

-- Substitution. Assumes a text and declarations that passed validate_template (template
-- versions are validated when created), and checks the caller's variables against them.
create function prompts.render_template_text(p_template_text text, p_declared jsonb, p_variables jsonb)
returns text
language plpgsql
immutable
parallel safe
as $$
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
  if p_variables is null then
    p_variables := '{}'::jsonb;
  end if;
  if jsonb_typeof(p_variables) <> 'object' then
    raise exception 'variables must be a JSON object of name: value, got %', jsonb_typeof(p_variables)
      using errcode = '22023';
  end if;

  select k into v_unknown
    from jsonb_object_keys(p_variables) as k
   where not exists (select from jsonb_array_elements(p_declared) as d where d ->> 'name' = k)
   order by k
   limit 1;
  if v_unknown is not null then
    raise exception 'unknown variable "%"; declared: %', v_unknown,
                    coalesce(nullif((select string_agg(d ->> 'name', ', ') from jsonb_array_elements(p_declared) as d), ''), '(none)')
      using errcode = '22023';
  end if;

  for v_decl in select d from jsonb_array_elements(p_declared) as d loop
    v_name := v_decl ->> 'name';
    v_type := v_decl ->> 'type';
    if p_variables ? v_name then
      v_value := p_variables -> v_name;
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
  v_parts := regexp_split_to_array(p_template_text, prompts.placeholder_pattern());
  v_names := array(select m[1] from regexp_matches(p_template_text, prompts.placeholder_pattern(), 'g') as m);
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
$$;
comment on function prompts.render_template_text(text, jsonb, jsonb) is
  'Renders a template text with the given variables (a JSON object) against its declarations: applies defaults, substitutes verbatim in a single pass (nothing escaped, values never re-expanded). 22023 naming the variable for a missing required, an unknown or a wrongly typed variable.';

-- sha256 of a text's UTF-8 bytes, for stored generated columns (context_data.content_hash) and
-- prompt hashes. Declared IMMUTABLE although convert_to() is STABLE: convert_to is only STABLE
-- because a conversion depends on the database encoding, which is fixed when the database is
-- created, so for a given database the result never changes.
create function prompts.utf8_sha256(p_text text)
returns bytea
language sql
immutable
strict
parallel safe
as $$
  select case when (octet_length(p_text) <= 4194304 or base.refuse_oversized('p_text', octet_length(p_text), 4194304))
              then sha256(convert_to(p_text, 'UTF8')) end
$$;
comment on function prompts.utf8_sha256(text) is
  'sha256 of the UTF-8 encoding of a text (32 bytes), as any other language computes it. Used for prompt hashes and context content hashes.';

revoke execute on function prompts.utf8_sha256(text) from public;
grant execute on function prompts.utf8_sha256(text) to authenticated, service_role;
revoke execute on function prompts.placeholder_pattern() from public;
revoke execute on function prompts.json_value_has_type(jsonb, text) from public;
revoke execute on function prompts.template_placeholders(text) from public;
revoke execute on function prompts.validate_variable_declarations(jsonb) from public;
revoke execute on function prompts.validate_template(text, jsonb) from public;
revoke execute on function prompts.render_template_text(text, jsonb, jsonb) from public;
grant execute on function prompts.placeholder_pattern() to authenticated, service_role;
grant execute on function prompts.json_value_has_type(jsonb, text) to authenticated, service_role;
grant execute on function prompts.template_placeholders(text) to authenticated, service_role;
grant execute on function prompts.validate_variable_declarations(jsonb) to authenticated, service_role;
grant execute on function prompts.validate_template(text, jsonb) to authenticated, service_role;
grant execute on function prompts.render_template_text(text, jsonb, jsonb) to authenticated, service_role;

commit;
