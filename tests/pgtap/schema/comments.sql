-- Comments send readers to the module pages, not to the README: the README is a front door and
-- holds no module reference (docs/<module>.md does, generated from these very comments).
begin;
select plan(1);

select is_empty(
  $$select pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid)
      from pg_catalog.pg_description as d
     where d.description ~* '\mreadme\M'
     order by 1$$,
  'no comment in the database points to the README');

select * from finish();
rollback;
