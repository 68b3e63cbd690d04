-- base.uuid_generate_v7() on every server version: the built-in uuidv7() from PostgreSQL 18, the
-- PL/pgSQL generator before. Both give valid, time-ordered version 7 ids, and base.uuid_v7_timestamp()
-- decodes them exactly as the server's own uuid_extract_timestamp() (18+) or a byte-level decode
-- (15 to 17) does. The version matrix (make test-matrix) runs this on 15 to 18.
begin;
select plan(5);

select pg_catalog.to_regprocedure('pg_catalog.uuidv7()') is not null as has_uuidv7,
       current_setting('server_version_num')::int / 10000 as major \gset

select is(
  (select l.lanname || ':' || (p.prosrc ~ 'pg_catalog\.uuidv7\(\)')::text
     from pg_proc as p join pg_language as l on l.oid = p.prolang
    where p.oid = 'base.uuid_generate_v7()'::regprocedure),
  case when :'has_uuidv7'::boolean then 'sql:true' else 'plpgsql:false' end,
  format('on PostgreSQL %s base.uuid_generate_v7() is %s', :'major',
         case when :'has_uuidv7'::boolean then 'the built-in uuidv7()' else 'the PL/pgSQL generator' end));

create temporary table v7 as
select n, base.uuid_generate_v7() as id from generate_series(1, 5000) as n;

select is(
  (select count(*)::int from v7
    where pg_catalog.get_byte(pg_catalog.uuid_send(id), 6) >> 4 <> 7
       or pg_catalog.get_byte(pg_catalog.uuid_send(id), 8) >> 6 <> 2),
  0, 'every id has version 7 and the RFC 9562 variant (read from its bytes)');

-- uuid_extract_timestamp() exists from 17 but decodes version 7 only from 18 (null before).
\if :has_uuidv7
select is(
  (select count(*)::int from v7
    where base.uuid_v7_timestamp(id) is distinct from pg_catalog.uuid_extract_timestamp(id)
       or pg_catalog.uuid_extract_version(id) <> 7),
  0, 'base.uuid_v7_timestamp() agrees with the server''s uuid_extract_timestamp() on every id');
\else
select is(
  (select count(*)::int from v7
    where base.uuid_v7_timestamp(id) is distinct from
          to_timestamp(('x' || encode(substring(pg_catalog.uuid_send(id) from 1 for 6), 'hex'))::bit(48)::bigint / 1000.0)),
  0, 'base.uuid_v7_timestamp() agrees with a decode of the first 48 bits on every id (uuid_extract_timestamp() decodes v7 only from 18)');
\endif

select is(
  (select count(*)::int from v7 as a join v7 as b on b.n = a.n + 1
    where base.uuid_v7_timestamp(b.id) < base.uuid_v7_timestamp(a.id)
       or (base.uuid_v7_timestamp(b.id) > base.uuid_v7_timestamp(a.id) and b.id < a.id)),
  0, 'in generation order the encoded time never goes back, and a later millisecond always sorts later');

select ok(
  (select abs(extract(epoch from base.uuid_v7_timestamp(id) - clock_timestamp())) < 5 from v7 where n = 5000),
  'the encoded time is the creation time');

select * from finish();
rollback;
