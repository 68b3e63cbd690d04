-- base.retry_delay: the one backoff of the package (tasks and event deliveries). The same delays as
-- the two functions it replaced (tasks.retry_delay, events.retry_delay, their formulas written out
-- below as they were) on a grid of attempts, bases, caps and jitters; exact timings; the random
-- jitter's window; bounded arguments (22023); and every retry in the package goes through it.
begin;
select plan(29);

-- Structure ----------------------------------------------------------------------------------------
select volatility_is('base', 'retry_delay', array['integer', 'interval', 'interval', 'double precision'], 'immutable',
                     'retry_delay is immutable for a given jitter: timing is testable without sleeping');
select isnt_definer('base', 'retry_delay', array['integer', 'interval', 'interval', 'double precision'],
                    'retry_delay runs as its caller');
select is((select p.proargnames from pg_catalog.pg_proc as p
            where p.oid = 'base.retry_delay(integer, interval, interval, double precision)'::regprocedure),
          array['attempt', 'backoff_base', 'backoff_cap', 'jitter'],
          'its parameters have bare names, the public contract of named notation');
select is((select count(*)::int from pg_catalog.pg_proc as p
            where p.proname in ('retry_delay', 'next_retry_at')
              and p.pronamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')),
          1, 'one backoff function in the package: tasks.retry_delay, tasks.next_retry_at and events.retry_delay are gone');
select is_empty(
  $$select p.oid::regprocedure::text from pg_catalog.pg_proc as p
     where p.oid in ('tasks.fail_task(uuid, uuid, text, text, boolean)'::regprocedure,
                     'events.fail_delivery(uuid, uuid, text, text, boolean, jsonb)'::regprocedure)
       and p.prosrc !~ 'base\.retry_delay\('$$,
  'fail_task and fail_delivery schedule their retries with base.retry_delay');

-- Same delays as before ----------------------------------------------------------------------------
-- tasks.retry_delay(p_attempt, p_backoff_base, p_backoff_cap, p_jitter), as tasks/retry_backoff wrote it.
create temporary table old_tasks_grid as
select g.attempt, b.base, c.cap, j.jitter,
       (select make_interval(secs => d.secs / 2 + greatest(0, least(j.jitter, 1)) * d.secs / 2)
          from (select least(extract(epoch from c.cap)::double precision,
                             extract(epoch from b.base)::double precision
                               * power(2::double precision, least(greatest(g.attempt, 1) - 1, 60))) as secs) as d) as delay
  from generate_series(0, 1000) as g(attempt)
 cross join (values (interval '0'), (interval '0.5 seconds'), (interval '1 second'), (interval '7 seconds'),
                    (interval '1 minute'), (interval '1 day')) as b(base)
 cross join (values (interval '0'), (interval '1 second'), (interval '1 hour'), (interval '1 day'), (interval '7 days')) as c(cap)
 cross join (values (0::double precision), (0.1), (0.25), (1.0 / 3), (0.5), (0.9), (0.999), (1)) as j(jitter)
 where c.cap >= b.base and (g.attempt <= 70 or g.attempt % 97 = 0 or g.attempt = 1000);
select cmp_ok((select count(*)::int from old_tasks_grid), '>', 10000, 'the tasks grid is large');
select is_empty(
  $$select g.attempt, g.base, g.cap, g.jitter, g.delay, base.retry_delay(g.attempt, g.base, g.cap, g.jitter)
      from old_tasks_grid as g
     where base.retry_delay(g.attempt, g.base, g.cap, g.jitter) <> g.delay$$,
  'base.retry_delay gives the delays of tasks.retry_delay for every attempt, interval and jitter of the grid');

-- events.retry_delay(attempt, base_seconds, cap_seconds, jitter), as events/retry_delay wrote it,
-- over the bounds of its columns (attempts 1..50, base 1 s .. 1 day, cap base .. 7 days).
create temporary table old_events_grid as
select g.attempt, b.base, c.cap, j.jitter,
       (select make_interval(secs => d.full_delay * (0.5 + 0.5 * least(greatest(j.jitter, 0), 1)))
          from (select least(c.cap::double precision, b.base * power(2::double precision, greatest(g.attempt, 1) - 1))
                         as full_delay) as d) as delay
  from generate_series(1, 50) as g(attempt)
 cross join (values (1), (3), (10), (60), (3600), (86400)) as b(base)
 cross join (values (1), (10), (300), (3600), (86400), (604800)) as c(cap)
 cross join (values (0::double precision), (0.1), (0.25), (1.0 / 3), (0.5), (0.9), (0.999), (1)) as j(jitter)
 where c.cap >= b.base;
select cmp_ok((select count(*)::int from old_events_grid), '>', 5000, 'the events grid is large');
select is_empty(
  $$select g.attempt, g.base, g.cap, g.jitter, g.delay
      from old_events_grid as g
     where base.retry_delay(g.attempt, make_interval(secs => g.base), make_interval(secs => g.cap), g.jitter) <> g.delay$$,
  'base.retry_delay gives the delays of events.retry_delay for every attempt, base, cap (in seconds) and jitter of the grid');

-- Exact timings ------------------------------------------------------------------------------------
select is(base.retry_delay(1, interval '10 seconds', interval '1 hour', 0), interval '5 seconds', 'first retry, least jitter: half the base');
select is(base.retry_delay(1, interval '10 seconds', interval '1 hour', 1), interval '10 seconds', 'first retry, most jitter: the base');
select is(base.retry_delay(4, interval '1 second', interval '1 hour', 1), interval '8 seconds', 'retry 4 waits up to base * 2^3');
select is(base.retry_delay(4, interval '1 second', interval '1 hour', 0.5), interval '6 seconds', 'jitter spreads the wait between half and all');
select is(base.retry_delay(30, interval '1 second', interval '1 hour', 1), interval '1 hour', 'the cap bounds every delay');
select is(base.retry_delay(30, interval '1 second', interval '1 hour', 0), interval '30 minutes', 'at the cap, jitter still spreads retries over [cap/2, cap]');
select is(base.retry_delay(1000, interval '1 second', interval '1 hour', 0), interval '30 minutes', 'the largest attempt number does not overflow');
select is(base.retry_delay(0, interval '10 seconds', interval '1 hour', 1), interval '10 seconds', 'attempt 0 counts as the first retry');
select is(base.retry_delay(5, interval '0', interval '0', 0.7), interval '0', 'a zero backoff retries at once');
select ok((select bool_and(base.retry_delay(3, interval '10 seconds', interval '1 hour') between interval '20 seconds' and interval '40 seconds')
             from generate_series(1, 200)), 'the default, random jitter stays within [d/2, d]');

-- Bounded arguments --------------------------------------------------------------------------------
select throws_ok($$select base.retry_delay(-1, interval '1 second', interval '1 hour', 0)$$, '22023', null,
                 'a negative attempt is refused');
select throws_ok($$select base.retry_delay(1001, interval '1 second', interval '1 hour', 0)$$, '22023', null,
                 'an attempt over 1000 is refused');
select throws_ok($$select base.retry_delay(1, interval '-1 second', interval '1 hour', 0)$$, '22023', null,
                 'a negative base is refused');
select throws_ok($$select base.retry_delay(1, interval '2 days', interval '7 days', 0)$$, '22023', null,
                 'a base over a day is refused');
select throws_ok($$select base.retry_delay(1, interval '1 minute', interval '1 second', 0)$$, '22023', null,
                 'a cap under the base is refused');
select throws_ok($$select base.retry_delay(1, interval '1 second', interval '8 days', 0)$$, '22023', null,
                 'a cap over a week is refused');
select throws_ok($$select base.retry_delay(1, interval '1 second', interval '1 hour', -0.1)$$, '22023', null,
                 'a negative jitter is refused (it was clamped)');
select throws_ok($$select base.retry_delay(1, interval '1 second', interval '1 hour', 1.5)$$, '22023', null,
                 'a jitter over 1 is refused (it was clamped)');
select throws_ok($$select base.retry_delay(1, interval '1 second', interval '1 hour', 'NaN')$$, '22023', null,
                 'a NaN jitter is refused');
select throws_ok($$select base.retry_delay(1, interval '1 second', interval '1 hour', null)$$, '22023', null,
                 'a NULL jitter is refused rather than giving a NULL delay');

select * from finish();
rollback;
