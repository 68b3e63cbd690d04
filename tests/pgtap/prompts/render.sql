-- Rendering: defaults, verbatim single-pass substitution, every rendering error (22023 naming
-- the variable, P0002, 55000) and every error a version can hit when it is created (the
-- template language and the model parameters).
begin;
select plan(53);

insert into prompts.models (name, provider, context_window, max_output_tokens, max_temperature)
values ('test-model', 'test', 100000, 4096, 1.5),
       ('retired-model', 'test', 100000, 4096, 2);
update prompts.models set is_active = false where name = 'retired-model';

select organization_id as org, member_id as member from tests.create_tenant('render-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('render-b') \gset

select tests.authenticate_as(:'member');

insert into prompts.prompt_templates (organization_id, name) values (:'org', 'Everything') returning id as tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, temperature, max_tokens)
values (:'org', :'tpl',
        'Review {{repo}} ({{ tone }}, top {{limit}}, min {{score}}, strict={{strict}}) tags={{tags}} extra={{extra}}; again {{repo}}',
        '[{"name": "repo",   "type": "string", "description": "owner/name"},
          {"name": "tone",   "type": "string",  "required": false, "default": "neutral"},
          {"name": "limit",  "type": "integer", "required": false, "default": 3},
          {"name": "score",  "type": "number",  "required": false, "default": 0.5},
          {"name": "strict", "type": "boolean", "required": false, "default": false},
          {"name": "tags",   "type": "array",   "required": false, "default": []},
          {"name": "extra",  "type": "object",  "required": false, "default": {}}]',
        'test-model', 0.2, 1000)
returning id as v1 \gset

-- Rendering -----------------------------------------------------------------------------------
select is(prompts.render_prompt(:'tpl', '{"repo": "acme/api"}'),
          'Review acme/api (neutral, top 3, min 0.5, strict=false) tags=[] extra={}; again acme/api',
          'defaults fill every optional variable; a placeholder used twice is substituted twice');

select is(prompts.render_prompt(:'tpl', '{"repo": "<b>\"x\" & y\\n</b>", "tone": " spaced ", "limit": 10, "score": -1.25,
                                         "strict": true, "tags": ["a", "b"], "extra": {"k": [1, null]}}'),
          E'Review <b>"x" & y\\n</b> ( spaced , top 10, min -1.25, strict=true) tags=["a", "b"] extra={"k": [1, null]}; again <b>"x" & y\\n</b>',
          'values are inserted verbatim: nothing escaped, quoted or trimmed; JSON values as JSON text');

select is(prompts.render_prompt(:'tpl', '{"repo": "{{tone}}", "tone": "{{repo}}"}'),
          'Review {{tone}} ({{repo}}, top 3, min 0.5, strict=false) tags=[] extra={}; again {{tone}}',
          'substitution is single-pass: a value that looks like a placeholder is not expanded');

select is(prompts.render_prompt(:'tpl', '{"repo": "r", "limit": 4.0}'),
          'Review r (neutral, top 4.0, min 0.5, strict=false) tags=[] extra={}; again r',
          'an integer variable accepts a number without fraction, rendered as given');

select is(prompts.render_template_text('no placeholders', '[]', null), 'no placeholders',
          'a text without placeholders renders as itself, with NULL variables meaning none');

-- Rendering errors ------------------------------------------------------------------------------
select throws_ok(format('select prompts.render_prompt(%L)', :'tpl'),
                 '22023', 'missing required variable "repo"', 'a missing required variable raises 22023 naming it (no variables)');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"tone": "x"}'),
                 '22023', 'missing required variable "repo"', 'a missing required variable raises 22023 naming it');
select throws_ok(format('select prompts.render_prompt(%L, null)', :'tpl'),
                 '22023', 'missing required variable "repo"', 'NULL variables are no variables: the required one is missing');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "colour": "red", "zzz": 1}'),
                 '22023', 'unknown variable "colour"; declared: repo, tone, limit, score, strict, tags, extra',
                 'an unknown variable raises 22023 naming it (the first in name order) and the declared ones');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": 42}'),
                 '22023', 'variable "repo" must be of type string, got number', 'a number for a string raises 22023');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "limit": 2.5}'),
                 '22023', 'variable "limit" must be of type integer, got number', 'a fraction for an integer raises 22023');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "limit": "3"}'),
                 '22023', 'variable "limit" must be of type integer, got string', 'a numeric string is not an integer');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "score": "0.5"}'),
                 '22023', 'variable "score" must be of type number, got string', 'a numeric string is not a number');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "strict": "true"}'),
                 '22023', 'variable "strict" must be of type boolean, got string', 'a string is not a boolean');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "tags": {"a": 1}}'),
                 '22023', 'variable "tags" must be of type array, got object', 'an object is not an array');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "extra": [1]}'),
                 '22023', 'variable "extra" must be of type object, got array', 'an array is not an object');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "x", "tone": null}'),
                 '22023', 'variable "tone" must be of type string, got null', 'an explicit JSON null is a wrong type, never a silent default');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '["repo"]'),
                 '22023', 'variables must be a JSON object of name: value, got array', 'variables must be a JSON object');
select throws_ok(format('select prompts.render_prompt(%L, %L)', '00000000-0000-7000-8000-000000000000', '{}'),
                 'P0002', 'prompt template 00000000-0000-7000-8000-000000000000 not found', 'an unknown template raises P0002');

-- Another tenant's template does not exist for this member.
select tests.authenticate_as(:'other_member');
insert into prompts.prompt_templates (organization_id, name) values (:'other_org', 'Theirs') returning id as their_tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'other_org', :'their_tpl', 'secret text', 'test-model');
select tests.authenticate_as(:'member');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'their_tpl', '{}'),
                 'P0002', format('prompt template %s not found', :'their_tpl'),
                 'a template of another organization is not found (P0002), and its text does not leak');

-- Versions: the old one stays renderable; none active is 55000.
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
values (:'org', :'tpl', 'v2 for {{repo}}', '[{"name": "repo", "type": "string"}]', 'test-model');
select is(prompts.render_prompt(:'tpl', '{"repo": "r"}'), 'v2 for r', 'render_prompt uses the active (newest) version');
select is(prompts.render_template_version(:'v1', '{"repo": "r", "tone": "dry"}'),
          'Review r (dry, top 3, min 0.5, strict=false) tags=[] extra={}; again r',
          'render_template_version renders an exact older version');
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "r", "tone": "dry"}'),
                 '22023', 'unknown variable "tone"; declared: repo',
                 'the active version''s declarations decide what is unknown');
update prompts.prompt_template_versions set is_active = false where template_id = :'tpl';
select throws_ok(format('select prompts.render_prompt(%L, %L)', :'tpl', '{"repo": "r"}'),
                 '55000', format('prompt template %s has no active version', :'tpl'),
                 'a template without an active version raises 55000');
select throws_ok(format('select prompts.render_template_version(%L, %L)', '00000000-0000-7000-8000-000000000000', '{}'),
                 'P0002', 'prompt template version 00000000-0000-7000-8000-000000000000 not found',
                 'an unknown version raises P0002');

-- The template language, checked when a version is created ---------------------------------------
prepare new_version(text, jsonb) as
  insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
  select organization_id, id, $1, $2, 'test-model' from prompts.prompt_templates where name = 'Everything';

select throws_ok($$execute new_version('Hello {{who}} from {{repo}}', '[{"name": "repo", "type": "string"}]')$$,
                 '22023', 'placeholder "{{who}}" is not a declared variable; declared: repo',
                 'an undeclared placeholder is refused when the version is created');
select throws_ok($$execute new_version('Hello {{who}}', '[]')$$,
                 '22023', 'placeholder "{{who}}" is not a declared variable; declared: (none)',
                 'a placeholder in a template without declarations is refused');
select throws_ok($$execute new_version('Hello {{ user-name }} !', '[]')$$,
                 '22023', 'malformed placeholder near "{{ user-name }}"', 'a malformed placeholder is refused');
select throws_ok($$execute new_version('Hello {{1st}}', '[]')$$,
                 '22023', 'malformed placeholder near "{{1st}}"', 'a placeholder name cannot start with a digit');
select throws_ok($$execute new_version('Hello {{oops and the rest', '[]')$$,
                 '22023', 'malformed placeholder near "{{oops and the rest"', 'an unclosed "{{" is refused');
select throws_ok($$execute new_version('x', '{"repo": "string"}')$$,
                 '22023', 'variables must be a JSON array of declarations, got object', 'declarations must be an array');
select throws_ok($$execute new_version('x', '["repo"]')$$,
                 '22023', 'variable declaration 1 must be an object with a string "name"', 'a declaration must be an object with a name');
select throws_ok($$execute new_version('x', '[{"name": "1a", "type": "string"}]')$$,
                 '22023', 'variable name "1a" is invalid', 'a variable name must be an identifier');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "string"}, {"name": "a", "type": "number"}]')$$,
                 '22023', 'variable "a" is declared twice', 'a variable is declared once');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "str"}]')$$,
                 '22023', 'variable "a" has type str; allowed: string, number, integer, boolean, array, object',
                 'an unknown type is refused, naming the allowed ones');
select throws_ok($$execute new_version('x', '[{"name": "a"}]')$$,
                 '22023', 'variable "a" has type missing; allowed: string, number, integer, boolean, array, object',
                 'a declaration needs a type');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "string", "requried": false}]')$$,
                 '22023', 'variable "a" has unknown key "requried"; allowed: name, type, required, default, description',
                 'a misspelt key is refused rather than ignored');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "string", "default": "d"}]')$$,
                 '22023', 'required variable "a" cannot have a default', 'a required variable takes no default');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "string", "required": false}]')$$,
                 '22023', 'optional variable "a" needs a default', 'an optional variable needs an explicit default');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "integer", "required": false, "default": "3"}]')$$,
                 '22023', 'default of variable "a" must be of type integer, got string', 'a default must have the declared type');
select throws_ok($$execute new_version('x', '[{"name": "a", "type": "string", "required": "no"}]')$$,
                 '22023', 'variable "a": "required" must be true or false', 'required is a boolean');

select lives_ok($$execute new_version('Only {{a}}', '[{"name": "a", "type": "string"}, {"name": "unused", "type": "string", "required": false, "default": ""}]')$$,
                'a declared variable need not appear in the text');
select is(prompts.render_prompt(:'tpl', '{"a": "x", "unused": "y"}'), 'Only x',
          'an unused declared variable is accepted and changes nothing');

select lives_ok($$execute new_version('{{lb}}literal}} and { single } braces }}', '[{"name": "lb", "type": "string", "required": false, "default": "{{"}]')$$,
                'a literal "{{" is written through a variable whose default is "{{"');
select is(prompts.render_prompt(:'tpl', '{}'), '{{literal}} and { single } braces }}',
          'the literal "{{" comes out verbatim, single braces and "}}" need nothing');

-- Model parameters ------------------------------------------------------------------------------
prepare new_params(text, numeric, integer, numeric, text[]) as
  insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, temperature, max_tokens, top_p, stop_sequences)
  select organization_id, id, 'x', $1, $2, $3, $4, $5 from prompts.prompt_templates where name = 'Everything';

select throws_ok($$execute new_params('test-model', -0.1, 100, null, '{}')$$,
                 '23514', 'new row for relation "prompt_template_versions" violates check constraint "prompt_template_versions_temperature_check"',
                 'a negative temperature is refused by a check constraint (0 to 2)');
select throws_ok($$execute new_params('test-model', 1.8, 100, null, '{}')$$,
                 '22023', 'temperature 1.80 exceeds the limit of model "test-model" (1.50)',
                 'temperature above the model''s own maximum is refused');
select throws_ok($$execute new_params('test-model', 0.5, 0, null, '{}')$$,
                 '23514', 'new row for relation "prompt_template_versions" violates check constraint "prompt_template_versions_max_tokens_check"',
                 'max_tokens must be positive');
select throws_ok($$execute new_params('test-model', 0.5, 9000, null, '{}')$$,
                 '22023', 'max_tokens 9000 exceeds the limit of model "test-model" (4096)',
                 'max_tokens above the model''s output limit is refused');
select throws_ok($$execute new_params('test-model', 0.5, 100, 0, '{}')$$,
                 '23514', 'new row for relation "prompt_template_versions" violates check constraint "prompt_template_versions_top_p_check"',
                 'top_p must be in (0, 1]');
select throws_ok($$execute new_params('test-model', 0.5, 100, null, '{a,b,c,d,e}')$$,
                 '23514', 'new row for relation "prompt_template_versions" violates check constraint "prompt_template_versions_stop_sequences_check"',
                 'at most 4 stop sequences');
select throws_ok($$execute new_params('no-such-model', 0.5, 100, null, '{}')$$,
                 '23503', 'insert or update on table "prompt_template_versions" violates foreign key constraint "prompt_template_versions_model_fkey"',
                 'an unknown model is refused');
select throws_ok($$execute new_params('retired-model', 0.5, 100, null, '{}')$$,
                 '22023', 'model "retired-model" is retired; choose an active model from prompts.models',
                 'a retired model is refused for new versions');

select * from finish();
rollback;
