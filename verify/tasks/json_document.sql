-- Verify platform:tasks/json_document on pg

begin;

select '{"a": 1}'::tasks.json_document;

do $$
begin
  perform '[1]'::tasks.json_document;
  raise exception 'tasks.json_document accepts a JSON array';
exception when check_violation then
  null;
end
$$;

rollback;
