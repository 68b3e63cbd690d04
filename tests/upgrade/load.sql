-- Data a release holds before it is upgraded (scripts/lanes.sh upgrade). The lane runs THIS file
-- as it was at the release being upgraded from (git history), so it only ever calls that
-- release's API. On top of the demo data (tasks in every status, events with deliveries and
-- dead letters, prompts with executions, analysis runs, audit rows), it leaves work in flight
-- for tests/upgrade/after.sql to finish on the new release:
--   * a task enqueued and never claimed (queue upgrade-probe);
--   * an event ingested and never routed (idempotency key upgrade-probe-event);
--   * metrics in the current and the two previous months (rows in three partitions).
\set ON_ERROR_STOP on
\ir ../../seeds/seed_data.sql

begin;
insert into tasks.task_definitions (organization_id, name, description, queue_name, max_attempts)
select o.id, 'upgrade-probe', 'Enqueued before an upgrade, claimed after it.', 'upgrade-probe', 3
  from base.organizations as o where o.slug = 'acme';

do $$
declare
  v_org    uuid := (select id from base.organizations where slug = 'acme');
  v_member uuid := (select id from base.users where email = 'member@acme.test');
  v_repo   uuid := (select id from projects.repositories where organization_id = v_org order by id limit 1);
begin
  perform set_config('request.jwt.claims', json_build_object('sub', v_member, 'role', 'service_role')::text, true);
  perform tasks.enqueue_task(organization_id => v_org, definition_name => 'upgrade-probe',
                             payload => '{"probe": true}', idempotency_key => 'upgrade-probe-task');
  perform events.ingest_event(v_org, 'github', 'push', '{"ref": "refs/heads/main", "repository": "acme/api", "probe": true}',
                              'upgrade-probe-event');
  insert into analytics.metrics (organization_id, repository_id, name, value, unit, recorded_at)
  select v_org, v_repo, 'upgrade.probe', m, 'count',
         date_trunc('month', now()) - make_interval(months => m) + interval '3 days'
    from generate_series(0, 2) as m;
end
$$;
commit;
\echo 'upgrade: release data loaded'
