-- Demo data of the tasks module: for each base organization (acme, globex), task definitions and
-- one small workflow in every status, built through the real API (enqueue, claim, complete, fail,
-- cancel) so every row is one the module itself would write:
--   "Nightly analysis"  pending    a DAG nothing has claimed yet (one task pending, one blocked)
--   "Release 1.4"       running    a sequence: step 1 succeeded, step 2 running, step 3 blocked
--   "Docs build"        succeeded  two parallel tasks, both succeeded (with logs and resource samples)
--   "Schema migration"  failed     the root failed after its attempts; its dependant was cancelled
--   "Load experiment"   cancelled  cancelled as a whole by a member
-- plus a task waiting for its retry (scheduled) after a failed attempt.
-- Safe to load twice: definitions are upserted by name, and each workflow is built only when no
-- workflow of that name exists in the organization. Runs as the deploying owner (a service), with
-- the organization's member as the JWT subject so enqueued_by and created_by name a person.
-- Every seed definition has a queue of its own (seed-*), so the claims below take exactly the
-- tasks they mean to.

insert into tasks.task_definitions
  (organization_id, name, description, queue_name, default_priority, max_attempts, backoff_base, backoff_cap,
   lease_duration, required_cpu, required_memory_mb, payload_schema)
select o.id, d.name, d.description, d.queue_name, d.priority, d.max_attempts, d.backoff_base, d.backoff_cap,
       d.lease_duration, d.cpu, d.memory, d.payload_schema::jsonb
  from base.organizations as o
 cross join (values
   ('analyze-repository', 'Static analysis of one repository at one ref.', 'seed-analysis', 0, 3, interval '5 seconds', interval '10 minutes', interval '15 minutes', 2.0, 2048,
    '{"type": "object", "required": ["repository", "ref"], "properties": {"repository": {"type": "string"}, "ref": {"type": "string"}}}'),
   ('release-step', 'One step of a release pipeline.', 'seed-release', 10, 2, interval '30 seconds', interval '30 minutes', interval '1 day', 1.0, 1024,
    '{"type": "object", "required": ["step"]}'),
   ('build-docs', 'Build one documentation site.', 'seed-docs', 0, 3, interval '1 second', interval '1 minute', interval '10 minutes', 0.5, 512, '{}'),
   ('run-migration', 'Apply a schema migration to one database.', 'seed-migration', 50, 1, interval '1 minute', interval '1 hour', interval '30 minutes', 1.0, 256, '{}'),
   ('load-test', 'Drive synthetic load against a staging service.', 'seed-experiment', -10, 1, interval '1 second', interval '1 second', interval '1 hour', 8.0, 16384, '{}'),
   ('sync-issues', 'Mirror issues from the tracker.', 'seed-sync', 0, 5, interval '2 seconds', interval '5 minutes', interval '5 minutes', 0.25, 256, '{}')
 ) as d(name, description, queue_name, priority, max_attempts, backoff_base, backoff_cap, lease_duration, cpu, memory, payload_schema)
 where o.slug in ('acme', 'globex')
on conflict on constraint task_definitions_organization_id_name_key do nothing;

do $$
declare
  v_org      record;
  v_member   uuid;
  v_workflow uuid;
  v_a        uuid;
  v_b        uuid;
  v_c        uuid;
begin
  for v_org in select o.id, o.slug from base.organizations as o where o.slug in ('acme', 'globex') order by o.slug loop
    v_member := (select u.id from base.users as u where u.email = 'member@' || v_org.slug || '.test');
    perform set_config('request.jwt.claims', json_build_object('sub', v_member, 'role', 'service_role')::text, true);

    -- pending: a DAG nobody has claimed yet
    if not exists (select from tasks.workflows where organization_id = v_org.id and name = 'Nightly analysis') then
      insert into tasks.workflows (organization_id, name, description, execution_mode, metadata)
      values (v_org.id, 'Nightly analysis', 'Analyse the main repositories every night.', 'dag', '{"schedule": "0 2 * * *"}')
      returning id into v_workflow;
      v_a := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'analyze-repository', workflow_id => v_workflow,
                                 payload => jsonb_build_object('repository', v_org.slug || '/api', 'ref', 'main'))).id;
      perform tasks.enqueue_task(organization_id => v_org.id, definition_name => 'analyze-repository', workflow_id => v_workflow,
                                 payload => jsonb_build_object('repository', v_org.slug || '/web', 'ref', 'main'),
                                 depends_on => array[v_a]);
    end if;

    -- running: a sequence half way through
    if not exists (select from tasks.workflows where organization_id = v_org.id and name = 'Release 1.4') then
      insert into tasks.workflows (organization_id, name, description, execution_mode)
      values (v_org.id, 'Release 1.4', 'Build, stage and ship release 1.4.', 'sequential')
      returning id into v_workflow;
      v_a := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'release-step', workflow_id => v_workflow,
                                 payload => '{"step": "build"}', idempotency_key => 'release-1.4-build')).id;
      v_b := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'release-step', workflow_id => v_workflow,
                                 payload => '{"step": "stage"}', idempotency_key => 'release-1.4-stage')).id;
      perform tasks.enqueue_task(organization_id => v_org.id, definition_name => 'release-step', workflow_id => v_workflow,
                                 payload => '{"step": "ship"}', idempotency_key => 'release-1.4-ship');
      perform tasks.claim_tasks(worker_id => 'seed-worker-1', queue_names => array['seed-release']);
      perform tasks.complete_task(organization_id => v_org.id, task_id => v_a, worker_id => 'seed-worker-1',
                                  result => '{"artifact": "release-1.4.tar.gz"}');
      perform tasks.claim_tasks(worker_id => 'seed-worker-1', queue_names => array['seed-release']);
      perform tasks.heartbeat_task(organization_id => v_org.id, task_id => v_b, worker_id => 'seed-worker-1');
      insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message, details, worker_id)
      values (v_org.id, v_a, 1, 'info', 'build started', '{}', 'seed-worker-1'),
             (v_org.id, v_a, 1, 'info', 'build finished', '{"seconds": 212}', 'seed-worker-1'),
             (v_org.id, v_b, 1, 'info', 'staging deploy started', '{"environment": "staging"}', 'seed-worker-1');
    end if;

    -- succeeded: two parallel tasks, done
    if not exists (select from tasks.workflows where organization_id = v_org.id and name = 'Docs build') then
      insert into tasks.workflows (organization_id, name, execution_mode)
      values (v_org.id, 'Docs build', 'parallel')
      returning id into v_workflow;
      perform tasks.enqueue_tasks(organization_id => v_org.id, definition_name => 'build-docs', workflow_id => v_workflow,
                                  payloads => array['{"site": "handbook"}', '{"site": "api-reference"}']::jsonb[]);
      perform tasks.complete_task(organization_id => c.organization_id, task_id => c.id, worker_id => 'seed-worker-2',
                                  result => jsonb_build_object('pages', 40 + length(c.payload ->> 'site')))
         from tasks.claim_tasks(worker_id => 'seed-worker-2', max_tasks => 2, queue_names => array['seed-docs']) as c;
      insert into tasks.task_resource_usage
        (organization_id, task_id, attempt, worker_id, cpu_usage_percent, memory_bytes, io_read_bytes, io_write_bytes, duration_ms)
      select h.organization_id, h.id, 1, h.worker_id, 37.5 + length(h.payload ->> 'site'), 268435456, 10485760, 52428800,
             41000 + 100 * length(h.payload ->> 'site')
        from tasks.task_history as h
       where h.organization_id = v_org.id and h.workflow_id = v_workflow;
    end if;

    -- failed: the root runs out of attempts, its dependant is cancelled
    if not exists (select from tasks.workflows where organization_id = v_org.id and name = 'Schema migration') then
      insert into tasks.workflows (organization_id, name, execution_mode)
      values (v_org.id, 'Schema migration', 'dag')
      returning id into v_workflow;
      v_a := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'run-migration', workflow_id => v_workflow,
                                 payload => '{"database": "orders", "version": 42}')).id;
      perform tasks.enqueue_task(organization_id => v_org.id, definition_name => 'run-migration', workflow_id => v_workflow,
                                 payload => '{"database": "orders-replica", "version": 42}', depends_on => array[v_a]);
      perform tasks.claim_tasks(worker_id => 'seed-worker-3', queue_names => array['seed-migration']);
      perform tasks.fail_task(organization_id => v_org.id, task_id => v_a, worker_id => 'seed-worker-3',
                              error => 'ERROR: column "total" of relation "orders" contains null values');
      insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message, details, worker_id)
      values (v_org.id, v_a, 1, 'error', 'migration 42 failed', '{"sqlstate": "23502"}', 'seed-worker-3');
    end if;

    -- cancelled: a member called it off
    if not exists (select from tasks.workflows where organization_id = v_org.id and name = 'Load experiment') then
      insert into tasks.workflows (organization_id, name, execution_mode)
      values (v_org.id, 'Load experiment', 'dag')
      returning id into v_workflow;
      v_a := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'load-test', workflow_id => v_workflow,
                                 payload => '{"rps": 500}')).id;
      v_c := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'load-test', workflow_id => v_workflow,
                                 payload => '{"rps": 1000}', depends_on => array[v_a])).id;
      perform tasks.cancel_workflow(organization_id => v_org.id, workflow_id => v_workflow,
                                    reason => 'staging is frozen for the release');
    end if;

    -- a task waiting for its retry, outside any workflow
    if not exists (select from tasks.task_idempotency_keys where organization_id = v_org.id and idempotency_key = 'seed-sync-issues') then
      v_a := (tasks.enqueue_task(organization_id => v_org.id, definition_name => 'sync-issues', idempotency_key => 'seed-sync-issues',
                                 payload => '{"project": "PLAT"}')).id;
      perform tasks.claim_tasks(worker_id => 'seed-worker-4', queue_names => array['seed-sync']);
      perform tasks.fail_task(organization_id => v_org.id, task_id => v_a, worker_id => 'seed-worker-4',
                              error => 'HTTP 429 from the tracker: rate limited');
    end if;
  end loop;
end
$$;
