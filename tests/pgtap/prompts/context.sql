-- The context cache: put_context upserts, get_context serves fresh entries only (judged by the
-- wall clock, also inside a long transaction), cleanup removes expired ones, and who may do what.
begin;
select plan(39);

select organization_id as org, member_id as member, viewer_id as viewer, admin_id as admin from tests.create_tenant('context-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('context-b') \gset

-- Sources ------------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
insert into prompts.context_sources (organization_id, name, kind, configuration, default_ttl)
values (:'org', 'Docs site', 'url', '{"url": "https://docs.example.com"}', '1 hour') returning id as src \gset
insert into prompts.context_sources (organization_id, name, kind, configuration, is_active)
values (:'org', 'Old files', 'repository_file', '{"path": "README.md"}', false) returning id as inactive_src \gset

select throws_ok(format('insert into prompts.context_sources (organization_id, name, kind, configuration) values (%L, %L, %L, %L)',
                        :'org', 'Broken', 'url', '{"href": "https://x"}'),
                 '23514', 'new row for relation "context_sources" violates check constraint "context_sources_configuration_check"',
                 'a url source needs an http(s) url in its configuration');
select throws_ok(format('insert into prompts.context_sources (organization_id, name, kind, configuration) values (%L, %L, %L, %L)',
                        :'org', 'No path', 'repository_file', '{}'),
                 '23514', 'new row for relation "context_sources" violates check constraint "context_sources_configuration_check"',
                 'a repository_file source needs a path');
select throws_ok(format('insert into prompts.context_sources (organization_id, name, kind, refresh_policy) values (%L, %L, %L, %L)',
                        :'org', 'Cron', 'custom', 'scheduled'),
                 '23514', 'new row for relation "context_sources" violates check constraint "context_sources_refresh_interval_check"',
                 'a scheduled source needs a refresh interval');
select throws_ok(format('insert into prompts.context_sources (organization_id, name, kind) values (%L, %L, %L)',
                        :'org', 'Mystery', 'ftp'),
                 '23514', 'new row for relation "context_sources" violates check constraint "context_sources_kind_check"',
                 'kind is one of repository_file, analysis_result, event, url, custom');

-- put_context / get_context -----------------------------------------------------------------------------
select (prompts.put_context(:'src', 'intro', 'Hello context', metadata => '{"etag": "v1"}')) as e1 \gset
select is((:'e1'::prompts.context_data).content, 'Hello context', 'put_context stores the content and returns the entry');
select is((:'e1'::prompts.context_data).content_hash, sha256('Hello context'::bytea), 'the content hash is its sha256, computed by the database');
select is((:'e1'::prompts.context_data).size_bytes, 13, 'the size is computed by the database');
select is((:'e1'::prompts.context_data).expires_at - (:'e1'::prompts.context_data).fetched_at, interval '1 hour',
          'without a ttl the entry lives for the source''s default_ttl');

select tests.authenticate_as(:'viewer');
select is((select content from prompts.get_context(:'src', 'intro')), 'Hello context', 'a viewer reads the fresh entry');
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'missing'), 'an absent key returns no row');

select tests.authenticate_as(:'member');
select (prompts.put_context(:'src', 'intro', 'Hello again', '10 minutes')) as e2 \gset
select is((:'e2'::prompts.context_data).id, (:'e1'::prompts.context_data).id, 'putting the same key updates the same row');
select is((select count(*)::int from prompts.context_data where source_id = :'src' and context_key = 'intro'), 1,
          'one row per source and key');
select isnt((:'e2'::prompts.context_data).content_hash, (:'e1'::prompts.context_data).content_hash, 'new content, new hash');
select is((:'e2'::prompts.context_data).expires_at - (:'e2'::prompts.context_data).fetched_at, interval '10 minutes',
          'an explicit ttl sets the expiry');
select is((:'e2'::prompts.context_data).metadata, '{}'::jsonb, 'metadata is replaced, not merged');

-- Expiry ------------------------------------------------------------------------------------------------
select prompts.put_context(:'src', 'stale', 'old news');
select tests.authenticate_as_service_role();
update prompts.context_data set fetched_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'
 where source_id = :'src' and context_key = 'stale';
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'stale'),
                'an expired entry is not served, not even to the service role');
select tests.authenticate_as(:'viewer');
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'stale'), 'an expired entry is not served to a viewer');
select is_empty(format('select * from prompts.context_data where source_id = %L and context_key = %L', :'src', 'stale'),
                'nor visible by reading the table directly');

-- The wall clock decides, inside one transaction too (now() would not move).
select tests.authenticate_as(:'member');
select prompts.put_context(:'src', 'blink', 'short-lived', '0.3 seconds');
select is((select content from prompts.get_context(:'src', 'blink')), 'short-lived', 'a short-lived entry is served while fresh');
select pg_sleep(0.4);
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'blink'),
                'once its ttl has passed it is no longer served, within the same transaction');
select is_empty(format('select * from prompts.context_data where context_key = %L', 'blink'),
                'and it is invisible in the table as soon as it expires');

select prompts.put_context(:'src', 'stale', 'fresh news');
select is((select content from prompts.get_context(:'src', 'stale')), 'fresh news', 'putting an expired key refreshes it');
select is((select count(*)::int from prompts.put_context(:'src', 'stale', 'fresh news 2')), 1,
          'refreshing returns the one entry');

-- Cleanup ----------------------------------------------------------------------------------------------
select throws_ok('select prompts.cleanup_expired_context_data()', '42501',
                 'permission denied for function cleanup_expired_context_data', 'users cannot run the cleanup');
select tests.authenticate_as_service_role();
update prompts.context_data set fetched_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'
 where source_id = :'src' and context_key = 'stale';
select is(prompts.cleanup_expired_context_data(), 2, 'cleanup deletes the expired entries (two) and says how many');
select is((select array_agg(context_key order by context_key) from prompts.context_data where source_id = :'src'),
          array['intro'], 'fresh entries stay');
select is(prompts.cleanup_expired_context_data(), 0, 'a second cleanup finds nothing');

-- Who may write -----------------------------------------------------------------------------------------
select is((prompts.put_context(:'src', 'from-worker', 'fetched by a worker')).content, 'fetched by a worker',
          'the service role writes any organization''s context');

select tests.authenticate_as(:'viewer');
select throws_ok(format('select prompts.put_context(%L, %L, %L)', :'src', 'k', 'v'),
                 'P0002', format('context source %s not found', :'src'), 'a viewer cannot write context');
select tests.authenticate_as(:'other_member');
select throws_ok(format('select prompts.put_context(%L, %L, %L)', :'src', 'k', 'v'),
                 'P0002', format('context source %s not found', :'src'), 'a member of another organization cannot write it (and learns nothing)');
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'intro'), 'nor read it');
select tests.authenticate_as(:'member');
select throws_ok(format('insert into prompts.context_data (organization_id, source_id, context_key, content, expires_at) values (%L, %L, %L, %L, now() + interval %L)',
                        :'org', :'src', 'direct', 'x', '1 hour'),
                 '42501', 'permission denied for table context_data', 'users write only through put_context');

-- Invalid input ---------------------------------------------------------------------------------------
select throws_ok(format('select prompts.put_context(%L, %L, %L)', :'inactive_src', 'k', 'v'),
                 '55000', format('context source %s is inactive and accepts no new content', :'inactive_src'),
                 'an inactive source accepts no content');
select throws_ok(format('select prompts.put_context(%L, %L, %L, %L)', :'src', 'k', 'v', '0 seconds'),
                 '22023', 'ttl 00:00:00 is out of range; allowed: more than 0 and at most 30 days', 'a zero ttl is refused');
select throws_ok(format('select prompts.put_context(%L, %L, %L, %L)', :'src', 'k', 'v', '31 days'),
                 '22023', 'ttl 31 days is out of range; allowed: more than 0 and at most 30 days', 'a ttl above 30 days is refused');
select throws_ok(format('select prompts.put_context(%L, %L, null)', :'src', 'k'),
                 '22023', 'put_context needs content (an empty string is valid)', 'NULL content is refused');
select throws_ok(format('select prompts.put_context(%L, %L, %L)', :'src', repeat('k', 1001), 'v'),
                 '23514', 'new row for relation "context_data" violates check constraint "context_data_context_key_check"',
                 'a key longer than 1000 characters is refused');
select throws_ok(format('select prompts.put_context(%L, %L, %L)', '00000000-0000-7000-8000-000000000000', 'k', 'v'),
                 'P0002', 'context source 00000000-0000-7000-8000-000000000000 not found', 'an unknown source raises P0002');

select tests.authenticate_as(:'admin');
delete from prompts.context_sources where id = :'src';
select tests.authenticate_as_service_role();
select is((select count(*)::int from prompts.context_data where source_id = :'src'), 0, 'deleting a source deletes its cached data');

select * from finish();
rollback;
