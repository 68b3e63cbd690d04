-- Every maintained partitioned table bounds its partition key (hardening issue, item 2): the
-- tables come from base.partition_config, so a table registered later is covered without being
-- listed here. A table either carries the key window trigger, with the configured window, on the
-- parent and every partition, or no API role may write its key at all. Then the probe's attack
-- ('infinity', far future, far past) is replayed on every guarded table, as the owner and as
-- every API role that may insert the key: 22008 each time, nothing written. The window is also the
-- trigger's WHEN clause (so a key inside it calls no function, base/partition_key_guard_inline):
-- each guard carries it, and keys just outside the window are refused with the guard's message
-- while keys just inside it pass the guard.
begin;
select plan(12);

create temporary view maintained as
select pc.parent_table, c.oid as relid, a.attname as key_column, pc.key_past_window, pc.key_future_window
  from base.partition_config as pc
  join pg_class as c on c.oid = to_regclass(pc.parent_table)
  join pg_partitioned_table as pt on pt.partrelid = c.oid
  join pg_attribute as a on a.attrelid = c.oid and a.attnum = pt.partattrs[0];

create temporary view key_guards as
select m.parent_table, t.oid as trigger_oid, t.tgtype, t.tgenabled, t.tgattr,
       encode(t.tgargs, 'escape') as args, t.tgfoid
  from maintained as m
  join pg_trigger as t on t.tgrelid = m.relid and t.tgname = '_000_check_partition_key';

select ok((select count(*) >= 15 from maintained), 'the package maintains at least its fifteen partitioned tables');

select is_empty($$
  select m.parent_table from maintained as m
   where not exists (select from key_guards as g where g.parent_table = m.parent_table)
     and exists (select from unnest(array['anon', 'authenticated', 'service_role']) as r
                  where has_column_privilege(r, m.relid, m.key_column, 'INSERT')
                     or has_column_privilege(r, m.relid, m.key_column, 'UPDATE'))$$,
  'every maintained table whose key an API role can write has the partition key window trigger');

select is_empty($$
  select m.parent_table from maintained as m
   where (m.key_past_window is null) <> not exists (select from key_guards as g where g.parent_table = m.parent_table)$$,
  'a table has the trigger exactly when base.partition_config gives it a key window');

-- tgtype: ROW (1) | BEFORE (2) | INSERT (4) | UPDATE (16); the UPDATE is limited to the key column.
select is_empty($$
  select g.parent_table from key_guards as g join maintained as m using (parent_table)
   where g.tgfoid <> 'internal.tg__check_partition_key'::regproc
      or g.tgtype <> (1 | 2 | 4 | 16) or g.tgenabled <> 'O'
      or array_to_string(g.tgattr::int2[], ',') <> (select a.attnum::text from pg_attribute as a where a.attrelid = m.relid and a.attname = m.key_column)
      or g.args <> format(E'%s\\000%s\\000%s\\000%s\\000', m.parent_table, m.key_column, m.key_past_window, m.key_future_window)$$,
  'each key trigger is BEFORE INSERT OR UPDATE OF the key, for each row, enabled, with the configured window as arguments');

-- The WHEN clause, as the sync trigger writes it (and status-transition triggers on tasks.tasks do
-- with their pairs): the same window as the arguments, on the key column.
select is_empty($$
  select g.parent_table, pg_get_triggerdef(g.trigger_oid) from key_guards as g join maintained as m using (parent_table)
   join pg_trigger as t on t.oid = g.trigger_oid
   where t.tgqual is null
      or pg_get_triggerdef(g.trigger_oid) not like
         format('%% WHEN (((new.%s < (statement_timestamp() - %L::interval)) OR (new.%s > (statement_timestamp() + %L::interval)))) %%',
                quote_ident(m.key_column), m.key_past_window, quote_ident(m.key_column), m.key_future_window)$$,
  'each key trigger has the window as its WHEN clause: new.<key> < statement time - past window or new.<key> > statement time + future window');

select is_empty($$
  select p.relid::regclass::text from maintained as m
   cross join lateral pg_partition_tree(m.relid) as p
   join pg_trigger as t on t.tgrelid = p.relid and t.tgname = '_000_check_partition_key' and t.tgparentid <> 0
   where p.relid <> m.relid and m.key_past_window is not null
     and t.tgqual is distinct from (select g.tgqual from pg_trigger as g where g.oid = t.tgparentid)$$,
  'every partition''s key trigger has its parent''s WHEN clause');

select is_empty($$
  select p.relid::regclass::text from maintained as m
   cross join lateral pg_partition_tree(m.relid) as p
   where p.relid <> m.relid and m.key_past_window is not null
     and not exists (select from pg_trigger as t
                      where t.tgrelid = p.relid and t.tgname = '_000_check_partition_key' and t.tgparentid <> 0)$$,
  'every partition of a guarded table, the DEFAULT one included, has the key trigger');

select is_empty($$
  select m.parent_table from maintained as m
   where m.key_past_window is not null
     and (m.key_future_window > interval '1 day'
          or m.key_past_window > coalesce((select pc.retention from base.partition_config as pc where pc.parent_table = m.parent_table),
                                          interval '1 year'))$$,
  'every window reaches at most a day ahead and no further back than the table''s retention (a year without one)');

-- The attack, on every guarded table, as the owner and as each API role allowed to insert the key.
create function pg_temp.attack(p_role text, p_table regclass, p_key name, p_value timestamptz)
returns text language plpgsql as $$
begin
  begin
    if p_role is not null then
      perform set_config('role', p_role, true);
    end if;
    execute format('insert into %s (%I) values (%L)', p_table, p_key, p_value);
    raise exception 'written' using errcode = 'P0001';
  exception when others then
    return sqlstate;    -- the subtransaction is rolled back, with the role switch
  end;
end $$;

create temporary table attacks as
select m.parent_table, coalesce(r.role, current_user::text) as role, v.value,
       pg_temp.attack(r.role, m.relid::regclass, m.key_column, v.value) as sqlstate
  from maintained as m
 cross join (values ('infinity'::timestamptz), ('-infinity'), (now() + interval '50 years'), (now() - interval '50 years'),
                    (now() + interval '2 days'), ('9999-12-31 23:59:59+00')) as v(value)
 cross join lateral (select null::text as role
                     union all
                     select x from unnest(array['anon', 'authenticated', 'service_role']) as x
                      where has_column_privilege(x, m.relid, m.key_column, 'INSERT')) as r
 where m.key_past_window is not null;

select ok((select count(distinct parent_table) >= 13 and count(*) filter (where role = 'authenticated') > 0 from attacks),
  'the attack ran on every guarded table, also as authenticated');
select is_empty($$select parent_table, role, value, sqlstate from attacks where sqlstate <> '22008'$$,
  'infinity, minus infinity, fifty years either way, two days ahead and the year 9999 are refused with 22008 on every guarded table, for every role (a row written would show as P0001)');

-- The edges of each window, as the owner: an hour outside is refused with the guard's own message,
-- an hour inside passes the guard (the insert then fails on another column or is written and rolled
-- back: anything but 22008). The inside values are kept an hour clear of the edges, as statement
-- time moves on during the test.
create function pg_temp.try_key(p_table regclass, p_key name, p_value timestamptz, out sqlstate text, out message text)
language plpgsql as $$
begin
  execute format('insert into %s (%I) values (%L)', p_table, p_key, p_value);
  raise exception 'written' using errcode = 'P0001';
exception when others then
  try_key.sqlstate := sqlstate;
  try_key.message := sqlerrm;
end $$;

create temporary table edges as
select m.parent_table, m.key_column, m.key_past_window, m.key_future_window, v.side, v.value, k.sqlstate, k.message
  from maintained as m
 cross join lateral (values ('before', now() - m.key_past_window - interval '1 hour'),
                            ('after', now() + m.key_future_window + interval '1 hour'),
                            ('inside, near the past edge', now() - m.key_past_window + interval '1 hour'),
                            ('inside, now', now()),
                            ('inside, near the future edge', now() + m.key_future_window - interval '1 hour')) as v(side, value)
 cross join lateral pg_temp.try_key(m.relid::regclass, m.key_column, v.value) as k
 where m.key_past_window is not null
   and (v.side not like 'inside, near the %' or m.key_future_window > interval '2 hours' or v.side like '%past%');

select is_empty($$
  select parent_table, side, value, sqlstate, message from edges
   where side in ('before', 'after')
     and (sqlstate <> '22008'
          or message <> format('%s.%s must lie between now() - %s and now() + %s, got %s',
                               parent_table, key_column, key_past_window, key_future_window, value))$$,
  'a key an hour outside the window, either side, raises 22008 with the guard''s message on every guarded table');

select is_empty($$select parent_table, side, value, sqlstate, message from edges where side like 'inside%' and sqlstate = '22008'$$,
  'a key inside the window passes the guard on every guarded table');


select * from finish();
rollback;
