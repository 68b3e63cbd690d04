-- base.current_user_id() reads the JWT the way PostgREST and Supabase publish it;
-- base.uuid_generate_v7() makes time-ordered RFC 9562 ids.
begin;
select plan(13);

select is(base.current_user_id(), null, 'no claims: nobody is authenticated');

select set_config('request.jwt.claims', '{"sub": "01936f6e-1111-7000-8000-000000000001", "role": "authenticated"}', true);
select is(base.current_user_id(), '01936f6e-1111-7000-8000-000000000001'::uuid,
  'the sub claim of request.jwt.claims is the user id');

select set_config('request.jwt.claims', '', true);
select set_config('request.jwt.claim.sub', '01936f6e-2222-7000-8000-000000000002', true);
select is(base.current_user_id(), '01936f6e-2222-7000-8000-000000000002'::uuid,
  'the legacy request.jwt.claim.sub setting is read too');

select set_config('request.jwt.claims', '{"sub": "01936f6e-3333-7000-8000-000000000003"}', true);
select is(base.current_user_id(), '01936f6e-3333-7000-8000-000000000003'::uuid,
  'request.jwt.claims wins over the legacy setting');

select set_config('request.jwt.claims', '{"role": "anon"}', true);
select set_config('request.jwt.claim.sub', '', true);
select is(base.current_user_id(), null, 'an anonymous JWT has no user');

select set_config('request.jwt.claims', '{"sub": "not-a-uuid"}', true);
select throws_ok('select base.current_user_id()', '22P02',
  'invalid input syntax for type uuid: "not-a-uuid"', 'a sub that is not a UUID is an error, not a silent NULL');
select set_config('request.jwt.claims', '', true);

create temporary table ids as
select n, base.uuid_generate_v7() as id from generate_series(1, 10000) as n;

select is((select count(distinct id)::int from ids), 10000, '10,000 ids are all distinct');
select is((select count(*)::int from ids where substring(id::text from 15 for 1) <> '7'), 0,
  'every id carries version 7');
select is((select count(*)::int from ids where substring(id::text from 20 for 1) not in ('8', '9', 'a', 'b')), 0,
  'every id carries the RFC 9562 variant');
select ok(
  (select bool_and(a.ts <= b.ts)
     from (select n, base.uuid_v7_timestamp(id) as ts from ids) as a
     join (select n, base.uuid_v7_timestamp(id) as ts from ids) as b on b.n = a.n + 1),
  'the encoded times never go backwards in generation order');
select ok(
  (select abs(extract(epoch from base.uuid_v7_timestamp(id) - clock_timestamp())) < 5 from ids where n = 1),
  'the encoded time is the creation time');

-- Ids made in different milliseconds sort in creation order.
create temporary table spaced (n int, id uuid);
do $$
begin
  for i in 1 .. 20 loop
    insert into spaced values (i, base.uuid_generate_v7());
    perform pg_sleep(0.002);
  end loop;
end
$$;
select is((select array_agg(n order by id) from spaced), (select array_agg(n order by n) from spaced),
  'ids made 2 ms apart sort in creation order');
select is(base.uuid_v7_timestamp('01936f6e-1111-7000-8000-000000000001'),
  to_timestamp(x'01936f6e1111'::bigint / 1000.0), 'uuid_v7_timestamp decodes the 48-bit millisecond field');

select * from finish();
rollback;
