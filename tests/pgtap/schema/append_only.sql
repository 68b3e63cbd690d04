-- Append-only history and log tables (hardening issue, items 5 and 10). A table is append-only
-- when it carries the internal.tg__append_only guard (base.enable_append_only): the test finds
-- them in the catalog, so a table marked later is covered without being listed here. Then:
-- the guard is on the parent and every partition (TRUNCATE triggers are not inherited); no API
-- role holds UPDATE, DELETE or TRUNCATE on any of them; each API role's UPDATE, DELETE and
-- TRUNCATE is refused on the parent and on every partition; the owner's TRUNCATE of a partition
-- and its UPDATE and DELETE of a row are refused; a cascade from a deleted organization still
-- removes the organization's history.
begin;
select plan(12);

create temporary view append_only as
select c.oid as relid, format('%I.%I', n.nspname, c.relname) as table_name
  from pg_class as c
  join pg_namespace as n on n.oid = c.relnamespace
 where not c.relispartition
   and exists (select from pg_trigger as t
                where t.tgrelid = c.oid and t.tgfoid = 'internal.tg__append_only'::regproc);

create temporary view append_only_rels as
select a.table_name, p.relid, p.relid = a.relid as is_parent
  from append_only as a
 cross join lateral pg_partition_tree(a.relid) as p;

select is(
  (select array_agg(table_name order by table_name) from append_only),
  array['analytics.issue_status_history', 'base.audit_log', 'events.event_processing_logs',
        'projects.project_status_history', 'tasks.task_execution_logs', 'tasks.task_history',
        'tasks.task_resource_usage'],
  'the append-only tables are the audit log, the status histories, the task history and the task and event logs');

select is_empty($$
  select format('%I.%I', c.relnamespace::regnamespace, c.relname) from pg_class as c
   where c.relkind in ('r', 'p') and not c.relispartition
     and c.relnamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
     and (c.relname like '%\_history' or c.relname like '%\_logs' or c.relname = 'audit_log')
     and c.oid not in (select relid from append_only)$$,
  'every history or log table of the package (named *_history, *_logs, audit_log) is marked append-only');

-- tgtype: ROW (1) | BEFORE (2) | DELETE (8) | UPDATE (16); TRUNCATE (32) | BEFORE (2), per statement.
select is_empty($$
  select r.relid::regclass::text from append_only_rels as r
   where not exists (select from pg_trigger as t
                      where t.tgrelid = r.relid and t.tgname = '_000_append_only' and t.tgenabled = 'O'
                        and t.tgfoid = 'internal.tg__append_only'::regproc and t.tgtype = (1 | 2 | 8 | 16))$$,
  'the parent and every partition refuse UPDATE and DELETE by row trigger');
select is_empty($$
  select r.relid::regclass::text from append_only_rels as r
   where not exists (select from pg_trigger as t
                      where t.tgrelid = r.relid and t.tgname = '_000_append_only_truncate' and t.tgenabled = 'O'
                        and t.tgfoid = 'internal.tg__append_only'::regproc and t.tgtype = (2 | 32))$$,
  'the parent and every partition refuse TRUNCATE by their own statement trigger');
select ok((select count(*) filter (where not is_parent) >= 5 * 5 from append_only_rels),
  'the partitions are checked too (five partitioned tables, five partitions each at least)');

select is_empty($$
  select r.relid::regclass::text, x.role, y.priv from append_only_rels as r
   cross join unnest(array['anon', 'authenticated', 'service_role']) as x(role)
   cross join unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) as y(priv)
   where has_table_privilege(x.role, r.relid, y.priv)
      or (y.priv = 'UPDATE' and has_any_column_privilege(x.role, r.relid, 'UPDATE'))$$,
  'no API role holds UPDATE, DELETE or TRUNCATE on any append-only table or partition');

-- Each API role tries, on the parent and on every partition.
create function pg_temp.try(p_role text, p_sql text) returns text language plpgsql as $$
begin
  begin
    if p_role is not null then
      perform set_config('role', p_role, true);
    end if;
    execute p_sql;
    raise exception 'allowed' using errcode = 'P0001';
  exception when others then
    return sqlstate;
  end;
end $$;

create temporary table tries as
select r.relid::regclass::text as rel, x.role, y.op,
       pg_temp.try(x.role, case y.op when 'UPDATE' then format('update %s set %I = %I', r.relid::regclass, a.attname, a.attname)
                                     when 'DELETE' then format('delete from %s', r.relid::regclass)
                                     else format('truncate %s', r.relid::regclass) end) as sqlstate
  from append_only_rels as r
  join pg_attribute as a on a.attrelid = r.relid and a.attnum = 1
 cross join unnest(array['anon', 'authenticated', 'service_role']) as x(role)
 cross join unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) as y(op);
select ok((select count(*) = 9 * (select count(*) from append_only_rels) from tries),
  'every role tried every command on every table and partition');
select is_empty($$select rel, role, op, sqlstate from tries where sqlstate <> '42501'$$,
  'anon, authenticated and service_role: UPDATE, DELETE and TRUNCATE are refused (42501) on every parent and partition');

select is_empty($$
  select r.relid::regclass::text, s from append_only_rels as r
   cross join lateral pg_temp.try(null, format('truncate %s', r.relid::regclass)) as s
   where s <> '42501'$$,
  'the owner''s TRUNCATE is refused on every append-only table and each of its partitions');

-- The owner's UPDATE and DELETE of real rows; a cascade still removes a deleted tenant's history.
select organization_id as org from tests.create_tenant('append-only') \gset
insert into tasks.task_execution_logs (organization_id, task_id, attempt, message)
values (:'org', base.uuid_generate_v7(), 1, 'started');
insert into projects.projects (organization_id, name, slug) values (:'org', 'History', 'history');
select is(
  (select array[pg_temp.try(null, format($$update tasks.task_execution_logs set message = 'forged' where organization_id = %L$$, :'org')),
                pg_temp.try(null, format($$delete from tasks.task_execution_logs where organization_id = %L$$, :'org')),
                pg_temp.try(null, format($$update projects.project_status_history set note = 'forged' where organization_id = %L$$, :'org')),
                pg_temp.try(null, format($$delete from projects.project_status_history where organization_id = %L$$, :'org'))]),
  array['42501', '42501', '42501', '42501'],
  'the owner''s own UPDATE and DELETE of existing rows are refused by the row guard');
select throws_ok(format($$delete from tasks.task_execution_logs where organization_id = %L$$, :'org'), '42501',
  'tasks.task_execution_logs is append-only: DELETE is not allowed',
  'the refusal names the table, not the partition');
delete from base.organizations where id = :'org';
select is(
  (select count(*)::int from tasks.task_execution_logs where organization_id = :'org')
  + (select count(*)::int from projects.project_status_history where organization_id = :'org'),
  0, 'deleting the organization still removes its history and logs (a cascade the guard allows)');

select * from finish();
rollback;
