-- A function created later by the owner, without any REVOKE, is not executable by PUBLIC.
begin;
select plan(2);

create function base.forgotten_revoke() returns int language sql immutable as 'select 1';
select is(
  (select count(*)::int from aclexplode((select coalesce(proacl, acldefault('f', proowner)) from pg_proc where oid = 'base.forgotten_revoke()'::regprocedure)) as a
    where a.grantee = 0),
  0, 'a new function starts with no EXECUTE for PUBLIC');
select ok(not has_function_privilege('authenticated', 'base.forgotten_revoke()', 'execute'),
  'so API roles cannot call it until someone grants it');

select * from finish();
rollback;
