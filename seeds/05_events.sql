-- Seed: the events module. Built on the base seed (organizations acme and globex, users
-- <role>@acme.test / <role>@globex.test). Loadable any number of times: types and
-- subscriptions have fixed ids or natural keys with ON CONFLICT DO NOTHING, events carry
-- idempotency keys (a repeat returns the stored event), and the delivery outcomes are played
-- only once (when no 'seed-worker' step is logged yet).
-- Result: events from all four sources plus a custom one, in every event status, and
-- deliveries in every state: pending, pending after a failed attempt, leased, succeeded and
-- dead-lettered, with their processing logs.

-- Acme's own event source: CI pipelines, kept 30 days.
insert into events.event_types (organization_id, source, name, description, payload_schema, max_attempts, retention)
select o.id, 'ci', 'pipeline_finished', 'A CI pipeline finished.',
       '{"type": "object", "required": ["pipeline", "status"]}', 3, interval '30 days'
  from base.organizations as o where o.slug = 'acme'
on conflict (organization_id, source, name) where organization_id is not null do nothing;

insert into events.event_subscriptions
  (organization_id, id, name, description, source, event_type_pattern, payload_filter, target_kind, target,
   target_config, is_active, max_attempts, backoff_base_seconds, backoff_cap_seconds, lease_seconds, created_by)
select o.id, v.id::uuid, v.name, v.description, v.source, v.pattern, v.filter::jsonb, v.kind, v.target,
       v.config::jsonb, v.active, v.max_attempts, v.base, v.cap, 60,
       (select u.id from base.users as u where u.email = 'admin@' || o.slug || '.test')
  from (values
    ('acme', '01900000-0000-7000-8000-00000000e001', 'CI on pushes', 'Start a build for every push.',
     'github', 'push', '{}', 'queue', 'ci.builds', '{}', true, null::integer, null::integer, null::integer),
    ('acme', '01900000-0000-7000-8000-00000000e002', 'API repository webhook', 'Everything about acme/api to the API team''s bot.',
     'github', '*', '{"repository": {"full_name": "acme/api"}}', 'webhook', 'https://hooks.acme.test/api-bot',
     '{"method": "POST", "headers": {"X-Team": "api"}, "secret_ref": "vault:api-bot-hmac"}', true, 4, 5, 60),
    ('acme', '01900000-0000-7000-8000-00000000e003', 'Production deploys to chat', 'Announce production deployments.',
     'deployment', '*', '{"environment": "production"}', 'handler', 'notify.slack', '{"channel": "#deploys"}', true, 2, null, null),
    ('acme', '01900000-0000-7000-8000-00000000e004', 'Linear issue archive', null,
     'linear', 'issue', '{}', 'handler', 'archive', '{}', true, null, null, null),
    ('acme', '01900000-0000-7000-8000-00000000e005', 'Failed pipelines', 'Page on red pipelines.',
     'ci', 'pipeline_*', '{"status": "failed"}', 'webhook', 'https://hooks.acme.test/pager', '{}', true, null, null, null),
    ('acme', '01900000-0000-7000-8000-00000000e006', 'Paused chat mirror', 'Paused while the mirror is rebuilt.',
     'slack', '*', '{}', 'webhook', 'https://mirror.acme.test/slack', '{}', false, null, null, null),
    ('globex', '01900000-0000-7000-8000-00000000e101', 'Archive everything', 'Every event to the archive.',
     null, '*', '{}', 'handler', 'archive', '{}', true, null, null, null)
  ) as v(org, id, name, description, source, pattern, filter, kind, target, config, active, max_attempts, base, cap)
  join base.organizations as o on o.slug = v.org
on conflict do nothing;

-- Events from every source (the idempotency keys make a reload store nothing new).
do $$
begin
  perform events.ingest_event(o.id, v.source, v.type, v.payload::jsonb, v.key, now() - v.ago::interval, v.metadata::jsonb)
  from (values
    ('acme', 'github', 'push', 'seed-gh-1', '2 hours',
     '{"ref": "refs/heads/main", "after": "9fceb02d0ae598e95dc970b74767f19372d61af8", "repository": {"full_name": "acme/api"}, "sender": {"login": "ada"}}',
     '{"x-github-event": "push", "x-github-delivery": "seed-gh-1"}'),
    ('acme', 'github', 'pull_request', 'seed-gh-2', '90 minutes',
     '{"action": "opened", "number": 17, "pull_request": {"number": 17, "head": {"ref": "feature/login", "sha": "1a2b3c"}}, "repository": {"full_name": "acme/api"}, "sender": {"login": "grace"}}',
     '{"x-github-event": "pull_request"}'),
    ('acme', 'github', 'push', 'seed-gh-3', '80 minutes',
     '{"ref": "refs/heads/docs", "after": "e83c5163316f89bfbde7d9ab23ca2e25604af290", "repository": {"full_name": "acme/web"}, "sender": {"login": "linus"}}',
     '{"x-github-event": "push"}'),
    ('acme', 'linear', 'issue', 'seed-li-1', '70 minutes',
     '{"action": "create", "type": "Issue", "data": {"id": "lin-100", "identifier": "ENG-100", "priority": 2, "team": {"key": "ENG"}, "state": {"name": "Todo"}}}',
     '{}'),
    ('acme', 'slack', 'message', 'seed-sl-1', '60 minutes',
     '{"team_id": "T0ACME", "event": {"type": "message", "channel": "C0DEPLOY", "user": "U0ADA", "ts": "1700000000.000100", "text": "shipping 2.4"}}',
     '{}'),
    ('acme', 'deployment', 'succeeded', 'seed-de-1', '50 minutes',
     '{"environment": "production", "service": "api", "version": "2.4.0", "commit_sha": "9fceb02d", "duration_seconds": 184.5}',
     '{}'),
    ('acme', 'deployment', 'failed', 'seed-de-2', '40 minutes',
     '{"environment": "production", "service": "web", "version": "5.1.0", "status": "failed", "duration_seconds": 42}',
     '{}'),
    ('acme', 'ci', 'pipeline_finished', 'seed-ci-1', '30 minutes', '{"pipeline": "api-main", "status": "failed"}', '{}'),
    ('acme', 'ci', 'pipeline_finished', 'seed-ci-2', '20 minutes', '{"pipeline": "web-main", "status": "passed"}', '{}'),
    ('globex', 'github', 'issues', 'seed-gx-1', '45 minutes',
     '{"action": "opened", "issue": {"number": 3}, "repository": {"full_name": "globex/plant"}, "sender": {"login": "hank"}}', '{}'),
    ('globex', 'deployment', 'started', 'seed-gx-2', '15 minutes', '{"environment": "staging", "service": "plant", "version": "0.9.1"}', '{}')
  ) as v(org, source, type, key, ago, payload, metadata)
  join base.organizations as o on o.slug = v.org;
end
$$;

-- Play the delivery outcomes once.
do $$
declare
  v_acme uuid := (select id from base.organizations where slug = 'acme');
  v_d    record;
  v_n    integer := 0;
begin
  if v_acme is null or exists (select from events.event_processing_logs as l
                                where l.organization_id = v_acme and l.worker_id = 'seed-worker') then
    return;
  end if;

  -- One event whose routing gave up (as after repeated routing failures); the others are routed.
  update events.events as e
     set status = 'failed', attempts = 3, last_error = 'XX000: subscription registry unavailable (seed)'
   where e.organization_id = v_acme and e.idempotency_key = 'seed-ci-2' and e.status = 'pending';
  perform events.process_pending_events(1000);

  -- A worker takes every due delivery, then reports a different outcome per subscription.
  for v_d in
    select d.* from events.claim_deliveries('seed-worker', 1000) as d
     order by d.subscription_id, d.event_received_at, d.id
  loop
    v_n := v_n + 1;
    case v_d.subscription_id
    when '01900000-0000-7000-8000-00000000e001' then      -- CI: first push in flight, later ones done
      if v_d.event_id <> (select e.id from events.events as e where e.organization_id = v_acme and e.idempotency_key = 'seed-gh-1') then
        perform events.complete_delivery(v_d.organization_id, v_d.id, 'seed-worker', '{"queued": true}');
      end if;
    when '01900000-0000-7000-8000-00000000e002' then      -- API bot: one success, one retry pending
      if v_d.event_id = (select e.id from events.events as e where e.organization_id = v_acme and e.idempotency_key = 'seed-gh-1') then
        perform events.complete_delivery(v_d.organization_id, v_d.id, 'seed-worker', '{"status": 200}');
      else
        perform events.fail_delivery(v_d.organization_id, v_d.id, 'seed-worker', 'HTTP 503 Service Unavailable',
                                     response => '{"status": 503}');
      end if;
    when '01900000-0000-7000-8000-00000000e003' then      -- chat handler: the failed deploy is dead-lettered
      if v_d.event_id = (select e.id from events.events as e where e.organization_id = v_acme and e.idempotency_key = 'seed-de-2') then
        perform events.fail_delivery(v_d.organization_id, v_d.id, 'seed-worker', 'channel #deploys is archived', retryable => false);
      else
        perform events.complete_delivery(v_d.organization_id, v_d.id, 'seed-worker');
      end if;
    when '01900000-0000-7000-8000-00000000e005' then      -- pager endpoint is gone: no retry
      perform events.fail_delivery(v_d.organization_id, v_d.id, 'seed-worker', 'HTTP 410 Gone', retryable => false,
                                   response => '{"status": 410}');
    else
      perform events.complete_delivery(v_d.organization_id, v_d.id, 'seed-worker');
    end case;
  end loop;

  -- A last event arrives and is routed but not yet delivered: pending deliveries; and one more
  -- that is not even routed yet: a pending event.
  perform events.ingest_event(v_acme, 'github', 'push',
    '{"ref": "refs/heads/main", "after": "c0ffee", "repository": {"full_name": "acme/api"}, "sender": {"login": "ada"}}', 'seed-gh-4');
  perform events.process_pending_events(1000);
  perform events.ingest_event(v_acme, 'linear', 'comment',
    '{"action": "create", "type": "Comment", "data": {"id": "lin-c-1", "issue": {"identifier": "ENG-100"}}}', 'seed-li-2');
  raise notice 'events seed: % deliveries played', v_n;
end
$$;
