-- After the upgrade (scripts/lanes.sh upgrade), on the NEW release: the work left in flight by
-- tests/upgrade/load.sql still goes through the API. Raises on any failure.
\set ON_ERROR_STOP on
begin;
do $$
declare
  v_org     uuid := (select id from base.organizations where slug = 'acme');
  v_member  uuid := (select id from base.users where email = 'member@acme.test');
  v_task    tasks.tasks;
  v_done    integer;
  v_event   uuid;
  v_status  text;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', v_member, 'role', 'service_role')::text, true);

  -- The task enqueued before the upgrade is claimed and completed after it.
  select t.* into v_task from tasks.claim_tasks(worker_id => 'upgrade-worker', queue_names => array['upgrade-probe']) as t;
  if v_task.id is null then
    raise exception 'upgrade: the task enqueued before the upgrade cannot be claimed';
  end if;
  perform tasks.complete_task(organization_id => v_org, task_id => v_task.id, worker_id => 'upgrade-worker',
                              result => '{"upgraded": true}');
  select count(*) into v_done from tasks.task_history
   where organization_id = v_org and id = v_task.id and status = 'succeeded';
  if v_done <> 1 then
    raise exception 'upgrade: the completed task is not in task_history as succeeded';
  end if;

  -- The event ingested before the upgrade is routed after it.
  select e.id into v_event from events.events as e
   where e.organization_id = v_org and e.idempotency_key = 'upgrade-probe-event';
  perform events.process_pending_events(1000);
  select e.status into v_status from events.events as e where e.organization_id = v_org and e.id = v_event;
  if v_status is distinct from 'processed' then
    raise exception 'upgrade: the event ingested before the upgrade was not routed (status %)', v_status;
  end if;
  -- And a new event arrives and routes on the new release too.
  perform events.ingest_event(v_org, 'github', 'push', '{"ref": "refs/heads/main", "repository": "acme/api"}', 'upgrade-after-event');
  perform events.process_pending_events(1000);
end
$$;
rollback;
\echo 'upgrade: old work finished through the new API'
