-- A fair queue: organizations take turns in claim_tasks, priority orders a tenant's own work only,
-- and no scheduled_at jumps the queue. The skewed case of the issue: one tenant with 100 times
-- the backlog of nine others, at the highest priority and with the oldest scheduled_at it can set.
begin;
select plan(20);

-- Ten tenants, one definition each on the same queue.
create temporary table fair_orgs (n integer primary key, org uuid, member uuid) on commit drop;
grant select on fair_orgs to public;
insert into fair_orgs
select n, t.organization_id, t.member_id
  from generate_series(0, 9) as n,
       lateral tests.create_tenant('tq-fair-' || n) as t;
insert into tasks.task_definitions (organization_id, name, queue_name)
select f.org, 'job', 'q-fair' from fair_orgs as f;
select org as big, member as big_member from fair_orgs where n = 0 \gset

-- scheduled_at cannot put a task ahead --------------------------------------------------------------
select tests.authenticate_as(:'big_member');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job', scheduled_at => '-infinity')$$, :'big'),
                 '22023', 'scheduled_at must be a finite time, not -infinity', 'enqueue refuses scheduled_at -infinity');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job', scheduled_at => 'infinity')$$, :'big'),
                 '22023', 'scheduled_at must be a finite time, not infinity', 'and infinity');
select throws_ok(format($$select tasks.enqueue_tasks(organization_id => %L, definition_name => 'job', payloads => array['{}']::jsonb[], scheduled_at => '-infinity')$$, :'big'),
                 '22023', 'scheduled_at must be a finite time, not -infinity', 'enqueue_tasks refuses it too');
select is((select scheduled_at = now() and status = 'pending'
             from tasks.enqueue_task(organization_id => :'big', definition_name => 'job', scheduled_at => '1970-01-01')),
          true, 'a scheduled_at in the past is stored as now()');
select is((select bool_and(scheduled_at = now())
             from tasks.enqueue_tasks(organization_id => :'big', definition_name => 'job', payloads => array['{}', '{}']::jsonb[],
                                      scheduled_at => now() - interval '10 years')),
          true, 'by enqueue_tasks too');

-- The skew: 2,000 tasks of the big tenant at priority 1000, 20 of each of the nine others at -1000.
select is((select count(*)::int
             from tasks.enqueue_tasks(organization_id => :'big', definition_name => 'job', priority => 1000,
                                      payloads => array(select '{}'::jsonb from generate_series(1, 1997)))),
          1997, 'the big tenant queues 2,000 tasks at priority 1000');
select tests.clear_authentication();
select tests.authenticate_as(f.member),
       (select count(*) from tasks.enqueue_tasks(organization_id => f.org, definition_name => 'job', priority => -1000,
                                                 payloads => array(select '{}'::jsonb from generate_series(1, 20))))
  from fair_orgs as f
 where f.n > 0;
select tests.clear_authentication();

-- Claims of 10: every tenant gets one task of each claim -----------------------------------------
select tests.authenticate_as_service_role();
create temporary table fair_claims (round integer, organization_id uuid, id uuid, priority integer) on commit drop;
grant insert, select on fair_claims to public;
insert into fair_claims select 1, c.organization_id, c.id, c.priority from tasks.claim_tasks('fair-w', 10, array['q-fair']) as c;
select is((select count(*)::int from fair_claims where round = 1), 10, 'a claim of 10 gets 10 tasks');
select is((select count(distinct organization_id)::int from fair_claims where round = 1), 10,
          'one of each of the ten tenants, although one of them queued 100 times more at a higher priority');

-- Twenty such claims drain the nine small tenants: each got all 20 of its tasks, the big one 20.
insert into fair_claims
select r, c.organization_id, c.id, c.priority
  from generate_series(2, 20) as r,
       lateral tasks.claim_tasks('fair-w', 10 + 0 * r, array['q-fair']) as c;  -- (r: one call per round)
select is((select count(*)::int from fair_claims), 200, 'twenty claims of 10 get 200 tasks');
select is((select array_agg(distinct k.n order by k.n)
             from (select count(*)::int as n from fair_claims as c join fair_orgs as f on f.org = c.organization_id
                    where f.n > 0 group by c.organization_id) as k),
          array[20], 'each of the nine small tenants got all 20 of its tasks');
select is((select count(*)::int from fair_claims where organization_id = :'big'), 20,
          'the big tenant got its share, 20, not all 200');
select is((select count(*)::int from tasks.tasks as t join fair_orgs as f on f.org = t.organization_id
            where f.n > 0 and t.status = 'pending'), 0, 'no small tenant has work left waiting');

-- A tenant's own order is priority, then scheduled_at.
select is((select bool_and(priority = 1000) from fair_claims where organization_id = :'big'), true,
          'within a tenant the highest priority goes first');

-- With the small tenants drained, the big one gets whole claims: a share it cannot use goes to others.
select is((select count(*)::int from tasks.claim_tasks('fair-w', 100, array['q-fair'])), 100,
          'alone with ready work, one tenant gets the whole claim');

-- Single claims: each tenant with ready work has an equal chance. 200 claims of one task, nine
-- small tenants with 40 tasks each and the big one with 1,700 left: each expects 20. The bounds
-- fail by chance less than once in a million runs; the old global order gave the big tenant all 200.
select tests.clear_authentication();
select tests.authenticate_as(f.member),
       (select count(*) from tasks.enqueue_tasks(organization_id => f.org, definition_name => 'job', priority => -1000,
                                                 payloads => array(select '{}'::jsonb from generate_series(1, 40))))
  from fair_orgs as f
 where f.n > 0;
select tests.clear_authentication();
select tests.authenticate_as_service_role();
insert into fair_claims
select 100 + r, c.organization_id, c.id, c.priority
  from generate_series(1, 200) as r,
       lateral tasks.claim_tasks('fair-w', 1 + 0 * r, array['q-fair']) as c;  -- (r: one call per round)
select is((select count(*)::int from fair_claims where round > 100), 200, 'two hundred single claims get one task each');
select cmp_ok((select count(*)::int from fair_claims where round > 100 and organization_id = :'big'), '<=', 50,
              'the big tenant got at most 50 of 200 single claims (expected 20)');
select cmp_ok((select min(k.n)
                 from (select count(c.id)::int as n
                         from fair_orgs as f left join fair_claims as c on c.organization_id = f.org and c.round > 100
                        where f.n > 0 group by f.org) as k), '>=', 3,
              'each small tenant got at least 3 of 200 single claims (expected 20)');

-- Every queue (queue_names NULL) shares the same way.
select is((select count(distinct organization_id)::int from tasks.claim_tasks('fair-w', 10)), 10,
          'a claim of every queue also serves ten tenants in a claim of 10');

-- The organizations with ready work, by a skip scan.
select is((select cardinality(internal.tasks_ready_organizations(array['q-fair']))), 10,
          'tasks_ready_organizations lists the ten tenants with ready work in the queue');
select is(internal.tasks_ready_organizations(array['q-none']), null, 'and NULL for a queue without ready work');

select * from finish();
rollback;
