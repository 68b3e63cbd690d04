-- Verify platform:events/fill_source_tables on pg

begin;

select 1 / (f.repository_full_name = 'acme/api' and f.number = 7)::int
  from events.github_fields('{"repository": {"full_name": "acme/api"}, "issue": {"number": 7}}') as f;
select 'events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[])'::regprocedure;

rollback;
