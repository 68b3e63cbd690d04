-- Verify platform:prompts/pick_variation on pg

begin;

-- The documented hash: md5's first 15 hex digits, so applications can reproduce it.
select 1 / (prompts.subject_hash('00000000-0000-7000-8000-000000000000', 'subject')
            = ('x' || substr(md5('00000000-0000-7000-8000-000000000000:subject'), 1, 15))::bit(60)::bigint)::int;
select 'prompts.pick_variation(uuid, text)'::regprocedure;

rollback;
