-- Ingest: validation against event types, idempotency, source tables, batch form.
begin;
select plan(65);

create temporary table t (name text primary key, id uuid);
insert into t select 'a', organization_id from tests.create_tenant('evt-ingest-a');
insert into t select 'b', organization_id from tests.create_tenant('evt-ingest-b');
grant select, insert on t to service_role, authenticated;

-- Tenant a has a custom source with two types, one of them disabled.
insert into events.event_types (organization_id, source, name, payload_schema, is_active)
select (select id from t where name = 'a'), v.source, v.name, v.schema, v.active
  from (values ('ci', 'build', '{"type": "object", "required": ["pipeline", "status"]}'::jsonb, true),
               ('ci', 'lint', '{"type": "object", "required": []}'::jsonb, false)) as v(source, name, schema, active);

select tests.authenticate_as_service_role();

-- One event of each built-in source ----------------------------------------------------------------
insert into t select 'gh', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'github', event_type => 'pull_request',
  payload => '{"action": "opened", "number": 42, "repository": {"full_name": "acme/api"}, "sender": {"login": "ada"},
               "pull_request": {"number": 42, "head": {"ref": "feature/x", "sha": "abc123"}}}',
  idempotency_key => 'gh-delivery-1', occurred_at => '2026-01-02 03:04:05+00', metadata => '{"x-github-event": "pull_request"}');

select ok((select id from t where name = 'gh') is not null, 'ingest_event returns the new event''s id');
select results_eq(
  $$select source, event_type, occurred_at, idempotency_key, payload -> 'repository' ->> 'full_name', metadata, status, attempts
      from events.events where id = (select id from t where name = 'gh')$$,
  $$values ('github', 'pull_request', '2026-01-02 03:04:05+00'::timestamptz, 'gh-delivery-1', 'acme/api',
            '{"x-github-event": "pull_request"}'::jsonb, 'pending', 0)$$,
  'the event is stored as given, pending, with no attempt yet');
select ok((select received_at between now() and clock_timestamp() from events.events where id = (select id from t where name = 'gh')),
  'received_at is the time of ingest');
select results_eq(
  $$select event_type, repository_full_name, action, sender_login, ref, number, commit_sha
      from events.github_events where event_id = (select id from t where name = 'gh')$$,
  $$values ('pull_request', 'acme/api', 'opened', 'ada', 'feature/x', 42, 'abc123')$$,
  'github_events holds the typed fields of the GitHub payload');

insert into t select 'li', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'linear', event_type => 'issue',
  payload => '{"action": "update", "type": "Issue", "data": {"id": "lin-1", "identifier": "ENG-7", "priority": 2,
               "team": {"key": "ENG"}, "state": {"name": "In Progress"}}}');
select results_eq(
  $$select action, entity_type, entity_id, issue_identifier, team_key, state_name, priority
      from events.linear_events where event_id = (select id from t where name = 'li')$$,
  $$values ('update', 'Issue', 'lin-1', 'ENG-7', 'ENG', 'In Progress', 2)$$,
  'linear_events holds the typed fields of the Linear payload');

insert into t select 'sl', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'slack', event_type => 'message',
  payload => '{"team_id": "T1", "event": {"type": "message", "channel": "C9", "user": "U3", "ts": "171.01", "thread_ts": "170.99"}}');
select results_eq(
  $$select team_id, channel_id, user_id, message_ts, thread_ts from events.slack_events where event_id = (select id from t where name = 'sl')$$,
  $$values ('T1', 'C9', 'U3', '171.01', '170.99')$$,
  'slack_events holds the typed fields of the Slack payload');

insert into t select 'de', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'deployment', event_type => 'failed',
  payload => '{"environment": "production", "service": "api", "version": "1.4.2", "commit_sha": "def456", "duration_seconds": 83.25}');
select results_eq(
  $$select environment, service, version, status, commit_sha, duration_seconds
      from events.deployment_events where event_id = (select id from t where name = 'de')$$,
  $$values ('production', 'api', '1.4.2', 'failed', 'def456', 83.250::numeric(12, 3))$$,
  'deployment_events holds the typed fields, the status taken from the type when the payload has none');

-- A payload of the wrong shapes still ingests: typed fields become NULL or are cut.
insert into t select 'odd', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'github', event_type => 'push',
  payload => jsonb_build_object('ref', repeat('r', 600), 'repository', 'not an object', 'number', 'forty-two', 'after', 12));
select results_eq(
  $$select length(ref), repository_full_name, number, commit_sha from events.github_events where event_id = (select id from t where name = 'odd')$$,
  $$values (500, null::text, null::integer, '12')$$,
  'odd payload shapes never fail an ingest: text is cut, non-numbers become NULL');

insert into t select 'ci', events.ingest_event(
  organization_id => (select id from t where name = 'a'), source => 'ci', event_type => 'build',
  payload => '{"pipeline": "main", "status": "green"}');
select is((select source || '/' || event_type from events.events where id = (select id from t where name = 'ci')), 'ci/build',
  'an organization''s own source and type ingest');
select is(
  (select count(*)::integer from (select event_id from events.github_events union all select event_id from events.linear_events
                                  union all select event_id from events.slack_events union all select event_id from events.deployment_events) as s
    where s.event_id = (select id from t where name = 'ci')),
  0, 'a custom source has no source table row');

-- Idempotency ---------------------------------------------------------------------------------------
select is(
  events.ingest_event(organization_id => (select id from t where name = 'a'), source => 'github', event_type => 'pull_request',
                      payload => '{"action": "closed", "pull_request": {}, "repository": {}}', idempotency_key => 'gh-delivery-1'),
  (select id from t where name = 'gh'),
  'a repeated idempotency key returns the first event''s id');
select is((select count(*)::integer from events.events where idempotency_key = 'gh-delivery-1'), 1,
  'a repeated idempotency key stores nothing');
select is((select count(*)::integer from events.github_events where event_id = (select id from t where name = 'gh')), 1,
  'a repeated idempotency key adds no source row');
select isnt(
  events.ingest_event(organization_id => (select id from t where name = 'a'), source => 'slack', event_type => 'message',
                      payload => '{"team_id": "T1", "event": {}}', idempotency_key => 'gh-delivery-1'),
  (select id from t where name = 'gh'),
  'the same key from another source is another event');
select isnt(
  events.ingest_event(organization_id => (select id from t where name = 'b'), source => 'github', event_type => 'pull_request',
                      payload => '{"action": "opened", "pull_request": {}, "repository": {}}', idempotency_key => 'gh-delivery-1'),
  (select id from t where name = 'gh'),
  'the same key in another organization is another event');
select results_eq(
  $$select event_id, event_received_at from events.event_idempotency_keys
     where organization_id = (select id from t where name = 'a') and source = 'github' and idempotency_key = 'gh-delivery-1'$$,
  $$select id, received_at from events.events where id = (select id from t where name = 'gh')$$,
  'the idempotency key row points at the first event and its partition');

-- A key that outlived its event (its month was dropped before the key was purged) is free again.
select tests.clear_authentication();
insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
values ((select id from t where name = 'a'), 'github', 'orphan-1', '00000000-0000-7000-8000-000000000001', now() - interval '2 years'),
       ((select id from t where name = 'a'), 'github', 'orphan-2', '00000000-0000-7000-8000-000000000002', now() - interval '2 years');
select tests.authenticate_as_service_role();
insert into t select 'orphan1', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}}', 'orphan-1');
select results_eq(
  $$select e.id, k.event_id from events.events as e
      join events.event_idempotency_keys as k on k.organization_id = e.organization_id and k.idempotency_key = e.idempotency_key
     where k.idempotency_key = 'orphan-1'$$,
  $$select id, id from t where name = 'orphan1'$$,
  'a key whose event is gone is taken by the new event, which is stored');
insert into t select 'orphan2', u.id from events.ingest_events((select id from t where name = 'a'),
  '[{"source": "github", "event_type": "push", "payload": {"ref": "x", "repository": {}}, "idempotency_key": "orphan-2"},
    {"source": "github", "event_type": "push", "payload": {"ref": "y", "repository": {}}, "idempotency_key": "orphan-2"}]') as u(id) limit 1;
select results_eq(
  $$select count(*)::integer, min(k.event_id::text) from events.events as e
      join events.event_idempotency_keys as k on k.organization_id = e.organization_id and k.idempotency_key = e.idempotency_key
     where k.idempotency_key = 'orphan-2'$$,
  $$select 1, id::text from t where name = 'orphan2'$$,
  'the batch form frees such a key too, and stores its first element once');

-- Errors ---------------------------------------------------------------------------------------------
select throws_ok(
  format($$select events.ingest_event(%L, 'jira', 'issue', '{}')$$, (select id from t where name = 'a')),
  '22023', 'unknown event source "jira" (known sources: ci, deployment, github, linear, slack)',
  'an unknown source raises 22023 naming the known sources');
select throws_ok(
  format($$select events.ingest_event(%L, 'ci', 'build', '{"pipeline": "x", "status": "y"}')$$, (select id from t where name = 'b')),
  '22023', 'unknown event source "ci" (known sources: deployment, github, linear, slack)',
  'another organization''s custom source is unknown here');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'pushed', '{}')$$, (select id from t where name = 'a')),
  '22023', 'unknown event type "pushed" for source "github" (known types: issue_comment, issues, pull_request, push, release, workflow_run)',
  'an unknown type raises 22023 naming the known types of the source');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"after": "x"}')$$, (select id from t where name = 'a')),
  '22023', 'payload of github/push is missing required keys: ref, repository',
  'a payload missing required keys raises 22023 naming them');
select throws_ok(
  format($$select events.ingest_event(%L, 'ci', 'build', '{"pipeline": "x"}')$$, (select id from t where name = 'a')),
  '22023', 'payload of ci/build is missing required keys: status',
  'a custom type''s required keys are enforced too');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '[1, 2]')$$, (select id from t where name = 'a')),
  '22023', 'payload of github/push must be a JSON object, got array',
  'a payload that is not an object raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', null)$$, (select id from t where name = 'a')),
  '22023', 'payload of github/push must be a JSON object, got null',
  'a NULL payload raises 22023');
select throws_ok(
  $$select events.ingest_event(null, 'github', 'push', '{"ref": "x", "repository": {}}')$$,
  '22023', 'organization_id is required',
  'a missing organization raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, null, 'push', '{}')$$, (select id from t where name = 'a')),
  '22023', 'unknown event source "null" (known sources: ci, deployment, github, linear, slack)',
  'a NULL source raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', null, '{}')$$, (select id from t where name = 'a')),
  '22023', 'unknown event type "null" for source "github" (known types: issue_comment, issues, pull_request, push, release, workflow_run)',
  'a NULL type raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, 'ci', 'lint', '{}')$$, (select id from t where name = 'a')),
  '55000', 'event type ci/lint is disabled',
  'a disabled type raises 55000');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}', occurred_at => null)$$, (select id from t where name = 'a')),
  '22023', 'occurred_at must not be null',
  'a NULL occurred_at raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}', metadata => '"headers"')$$, (select id from t where name = 'a')),
  '22023', 'metadata must be a JSON object, got string',
  'metadata that is not an object raises 22023');
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}', idempotency_key => '')$$, (select id from t where name = 'a')),
  '22023', 'idempotency_key must be 1 to 200 characters long, got 0',
  'an empty idempotency key raises 22023');
select throws_ok(
  $$select events.ingest_event('00000000-0000-0000-0000-000000000001', 'github', 'push', '{"ref": "x", "repository": {}}')$$,
  '23503', null,
  'an organization that does not exist is refused by its foreign key');

-- An organization overrides a built-in type ----------------------------------------------------------
select tests.clear_authentication();
insert into events.event_types (organization_id, source, name, payload_schema, retention)
values ((select id from t where name = 'a'), 'github', 'push', '{"type": "object", "required": ["ref", "repository", "after"]}', '400 days');
select tests.authenticate_as_service_role();
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}')$$, (select id from t where name = 'a')),
  '22023', 'payload of github/push is missing required keys: after',
  'an organization''s own definition of a built-in type wins for that organization');
select lives_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}')$$, (select id from t where name = 'b')),
  'other organizations keep the built-in definition');
select is(
  (events.validate_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}, "after": "y"}')).organization_id,
  (select id from t where name = 'a'),
  'validate_event resolves the organization''s own type first');
select is(
  (events.validate_event((select id from t where name = 'b'), 'github', 'push', '{"ref": "x", "repository": {}}')).organization_id,
  null,
  'validate_event falls back to the built-in type');

-- ingest_event reads the type with its own query (events/ingest, reworked): it must follow the
-- same rule as events.effective_event_type, in both directions.
select tests.clear_authentication();
insert into events.event_types (organization_id, source, name, payload_schema, is_active)
values ((select id from t where name = 'a'), 'github', 'release', '{"type": "object", "required": []}', false),
       ((select id from t where name = 'a'), 'github', 'issues', '{"type": "object", "required": []}', true);
select tests.authenticate_as_service_role();
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'release', '{"action": "published", "release": {}, "repository": {}}')$$,
         (select id from t where name = 'a')),
  '55000', 'event type github/release is disabled',
  'ingest_event: an organization''s disabled override of an active built-in type refuses its events (55000)');
select lives_ok(
  format($$select events.ingest_event(%L, 'github', 'issues', '{}')$$, (select id from t where name = 'a')),
  'ingest_event: an organization''s looser override of a built-in type accepts what the built-in one would refuse');
select is(
  (select (t.organization_id, t.is_active)::text
     from events.effective_event_type((select id from t where name = 'a'), 'github', 'release') as t),
  (select ((select id from t where name = 'a'), false)::text),
  'and effective_event_type names the same definitions');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "github", "event_type": "release", "payload": {"action": "published", "release": {}, "repository": {}}}]')$$,
         (select id from t where name = 'a')),
  '55000', 'events[0]: event type github/release is disabled',
  'ingest_events: the same disabled override refuses the batch (55000)');
select lives_ok(
  format($$select events.ingest_events(%L, '[{"source": "github", "event_type": "issues", "payload": {}}]')$$,
         (select id from t where name = 'a')),
  'ingest_events: the same looser override accepts the event');

-- The batch path writes the source-table fields with its own expressions (events/fill_source_tables,
-- reworked): for every source they must equal what the source's extractor function gives, edge cases
-- included (over-long strings, numbers out of range or of the wrong JSON type, fallbacks).
select tests.clear_authentication();
insert into t select 'eq', organization_id from tests.create_tenant('evt-ingest-equivalence');
insert into events.event_types (organization_id, source, name, payload_schema)
select (select id from t where name = 'eq'), s.source, 'equivalence', '{"type": "object", "required": []}'
  from unnest(array['github', 'linear', 'slack', 'deployment']) as s(source);
select tests.authenticate_as_service_role();
create temporary table corpus (n integer primary key, source text, payload jsonb, event_id uuid);
grant select, insert, update on corpus to service_role;
insert into corpus (n, source, payload) values
  (1, 'github', jsonb_build_object('ref', 'refs/heads/main', 'after', repeat('a', 80), 'action', repeat('b', 150),
                                   'repository', jsonb_build_object('full_name', repeat('r', 250)), 'sender', '{"login": "ada"}')),
  (2, 'github', '{"pull_request": {"number": 3000000000, "head": {"ref": "feature", "sha": "abc"}}, "number": 7}'),
  (3, 'github', '{"issue": {"number": "12"}, "workflow_run": {"head_branch": "wf", "head_sha": "def"}}'),
  (4, 'github', '{"number": 41.7}'),
  (5, 'github', '{}'),
  (6, 'linear', '{"action": "update", "type": "Issue", "data": {"id": "x1", "identifier": "ENG-1", "team": {"key": "ENG"}, "state": {"name": "Done"}, "priority": 3}}'),
  (7, 'linear', '{"data": {"issue": {"identifier": "ENG-2"}, "priority": 101}}'),
  (8, 'linear', '{"data": {"priority": "2"}}'),
  (9, 'slack', '{"team_id": "T1", "event": {"channel": "C1", "user": "U1", "ts": "1.0", "thread_ts": "0.5"}}'),
  (10, 'slack', '{"event": {"item": {"channel": "C2", "ts": "2.0"}}}'),
  (11, 'deployment', '{"environment": "prod", "service": "api", "version": "1.2.3", "commit_sha": "abc", "duration_seconds": 12.34567}'),
  (12, 'deployment', '{"status": "failed", "duration_seconds": -1}'),
  (13, 'deployment', '{"duration_seconds": "5"}');
update corpus as c set event_id = i.id
  from events.ingest_events((select id from t where name = 'eq'),
                            (select jsonb_agg(jsonb_build_object('source', source, 'event_type', 'equivalence',
                                                                 'payload', payload) order by n) from corpus))
       with ordinality as i(id, n)
 where i.n = c.n;
select results_eq(
  $$select c.n, g.repository_full_name, g.action, g.sender_login, g.ref, g.number, g.commit_sha
      from corpus as c join events.github_events as g on g.event_id = c.event_id order by c.n$$,
  $$select c.n, f.* from corpus as c cross join lateral events.github_fields(c.payload) as f where c.source = 'github' order by c.n$$,
  'github_events rows from the batch path equal events.github_fields');
select results_eq(
  $$select c.n, l.action, l.entity_type, l.entity_id, l.issue_identifier, l.team_key, l.state_name, l.priority
      from corpus as c join events.linear_events as l on l.event_id = c.event_id order by c.n$$,
  $$select c.n, f.* from corpus as c cross join lateral events.linear_fields(c.payload) as f where c.source = 'linear' order by c.n$$,
  'linear_events rows from the batch path equal events.linear_fields');
select results_eq(
  $$select c.n, l.team_id, l.channel_id, l.user_id, l.message_ts, l.thread_ts
      from corpus as c join events.slack_events as l on l.event_id = c.event_id order by c.n$$,
  $$select c.n, f.* from corpus as c cross join lateral events.slack_fields(c.payload) as f where c.source = 'slack' order by c.n$$,
  'slack_events rows from the batch path equal events.slack_fields');
select results_eq(
  $$select c.n, d.environment, d.service, d.version, d.status, d.commit_sha, d.duration_seconds
      from corpus as c join events.deployment_events as d on d.event_id = c.event_id order by c.n$$,
  $$select c.n, f.* from corpus as c cross join lateral events.deployment_fields(c.payload, 'equivalence') as f
     where c.source = 'deployment' order by c.n$$,
  'deployment_events rows from the batch path equal events.deployment_fields');

-- Batch ----------------------------------------------------------------------------------------------
insert into t
select 'batch' || u.ord, u.id
  from events.ingest_events((select id from t where name = 'a'), $$[
    {"source": "github", "event_type": "push", "payload": {"ref": "main", "repository": {"full_name": "acme/web"}, "after": "1"}, "idempotency_key": "b-1"},
    {"source": "slack", "event_type": "message", "payload": {"team_id": "T1", "event": {"channel": "C1"}}, "idempotency_key": "b-2",
     "occurred_at": "2026-03-04T05:06:07Z", "metadata": {"retry": 1}},
    {"source": "github", "event_type": "push", "payload": {"ref": "other", "repository": {}, "after": "2"}, "idempotency_key": "b-1"},
    {"source": "github", "event_type": "pull_request", "payload": {"action": "x", "pull_request": {}, "repository": {}}, "idempotency_key": "gh-delivery-1"},
    {"source": "ci", "event_type": "build", "payload": {"pipeline": "p", "status": "s"}}
  ]$$) with ordinality as u(id, ord);

select is((select count(*)::integer from t where name like 'batch%'), 5, 'ingest_events returns one id per element');
select is((select id from t where name = 'batch3'), (select id from t where name = 'batch1'),
  'a key repeated inside a batch gets the first element''s id');
select is((select id from t where name = 'batch4'), (select id from t where name = 'gh'),
  'a key seen before the batch returns the earlier event''s id');
select is(
  (select count(*)::integer from events.events
    where id in (select id from t where name like 'batch%') and id <> (select id from t where name = 'gh')), 3,
  'the batch stored only its three new events');
select results_eq(
  $$select e.source, e.event_type, e.occurred_at, e.metadata from events.events as e where e.id = (select id from t where name = 'batch2')$$,
  $$values ('slack', 'message', '2026-03-04 05:06:07+00'::timestamptz, '{"retry": 1}'::jsonb)$$,
  'batch elements keep their occurred_at and metadata');
select is((select repository_full_name from events.github_events where event_id = (select id from t where name = 'batch1')), 'acme/web',
  'batch ingest fills the source tables');
select is((select count(*)::integer from events.ingest_events((select id from t where name = 'a'), '[]')), 0,
  'an empty batch stores nothing and returns nothing');

select throws_ok(
  format($$select events.ingest_events(%L, '{"source": "github"}')$$, (select id from t where name = 'a')),
  '22023', 'events must be a JSON array of event objects, got object',
  'a batch that is not an array raises 22023');
select throws_ok(
  $$select events.ingest_events(null, '[]')$$,
  '22023', 'organization_id is required',
  'a batch without organization raises 22023');
select throws_ok(
  format($$select events.ingest_events(%L, '["push"]')$$, (select id from t where name = 'a')),
  '22023', 'events[0]: must be a JSON object, got string',
  'an element that is not an object is named by its index');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "github", "type": "push", "payload": {}}]')$$, (select id from t where name = 'a')),
  '22023', 'events[0]: unknown key "type" (allowed: event_type, idempotency_key, metadata, occurred_at, payload, source)',
  'an unknown element key (a typo) raises 22023 naming it');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"event_type": "push", "payload": {}}]')$$, (select id from t where name = 'a')),
  '22023', 'events[0]: source must be a string, got nothing',
  'an element without source raises 22023');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "ci", "event_type": "build", "payload": {"pipeline": 1, "status": 2}, "occurred_at": "yesterday"}]')$$,
         (select id from t where name = 'a')),
  '22023', 'events[0]: occurred_at must be an ISO 8601 timestamp string',
  'an element with an unreadable occurred_at raises 22023');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "ci", "event_type": "build", "payload": {"pipeline": 1, "status": 2}, "idempotency_key": 7}]')$$,
         (select id from t where name = 'a')),
  '22023', 'events[0]: idempotency_key must be a string of 1 to 200 characters',
  'an element with a non-text idempotency key raises 22023');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "ci", "event_type": "build", "payload": {"pipeline": 1, "status": 2}},
                                             {"source": "ci", "event_type": "build", "payload": {"pipeline": 1, "status": 2}},
                                             {"source": "github", "event_type": "push", "payload": {"repository": {}, "after": "x"}}]')$$,
         (select id from t where name = 'a')),
  '22023', 'events[2]: payload of github/push is missing required keys: ref',
  'the first invalid element''s payload problem is named with its index');
select throws_ok(
  format($$select events.ingest_events(%L, '[{"source": "github", "event_type": "pushh", "payload": {}}]')$$, (select id from t where name = 'a')),
  '22023', 'events[0]: unknown event type "pushh" for source "github" (known types: issue_comment, issues, pull_request, push, release, workflow_run)',
  'an unknown type in a batch raises 22023 with the element''s index');
select throws_ok(
  format($$select events.ingest_events(%L, (select jsonb_agg('{}'::jsonb) from generate_series(1, 10001)))$$, (select id from t where name = 'a')),
  '22023', 'events holds 10001 events; a batch takes at most 10000',
  'a batch over 10000 events raises 22023');
select is(
  (select count(*)::integer from events.event_idempotency_keys
    where organization_id = (select id from t where name = 'a') and idempotency_key in ('b-1', 'b-2')), 2,
  'each new key of the batch is recorded once');

-- What users may not do ------------------------------------------------------------------------------
select tests.authenticate_as((select owner_id from tests.create_tenant('evt-ingest-c')));
select throws_ok(
  format($$select events.ingest_event(%L, 'github', 'push', '{"ref": "x", "repository": {}}')$$, (select id from t where name = 'a')),
  '42501', null,
  'users cannot call ingest_event: only services ingest');

select * from finish();
rollback;
