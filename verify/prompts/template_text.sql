-- Verify platform:prompts/template_text on pg

begin;

select 1 / (prompts.render_template_text(
              'Hello {{ name }}, {{n}}!',
              '[{"name": "name", "type": "string"}, {"name": "n", "type": "integer", "required": false, "default": 3}]',
              '{"name": "{{n}}"}') = 'Hello {{n}}, 3!')::int;

select 1 / (prompts.template_placeholders('{{a}} {{b}} {{a}}') = array['a', 'b'])::int;

rollback;
