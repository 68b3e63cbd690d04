-- Deploy platform:base/audit_log to pg
-- Who did what to which row, and what the row looked like before and after.
--   * base.enable_audit(table) attaches three statement-level triggers with transition tables:
--     one INSERT of a whole batch per statement, instead of one trigger call per row;
--   * the log is monthly-partitioned (base.partition_config) and append-only: UPDATE, DELETE and
--     TRUNCATE are refused for every role, the owner included; only partition retention
--     (detach then drop) ever removes entries.

begin;

create table base.audit_log (
  id               uuid        not null default base.uuid_generate_v7(),
  occurred_at      timestamptz not null default now(),
  organization_id  uuid,
  table_schema     text        not null,
  table_name       text        not null,
  record_id        uuid,
  action           text        not null,
  actor_user_id    uuid,
  actor_role       text        not null,
  transaction_id   xid8        not null default pg_current_xact_id(),
  old_data         jsonb,
  new_data         jsonb,
  changed_columns  text[],
  constraint audit_log_pkey primary key (id, occurred_at),
  constraint audit_log_action_check check (action in ('INSERT', 'UPDATE', 'DELETE'))
) partition by range (occurred_at);

-- Organization admins read their organization's recent history; a row's history by id.
create index audit_log_organization_id_occurred_at_idx
  on base.audit_log (organization_id, occurred_at desc);
create index audit_log_record_id_idx
  on base.audit_log (record_id, occurred_at desc);

comment on table base.audit_log is
  'Append-only change history of audited tables (base.enable_audit). Partitioned by month on occurred_at; retention in base.partition_config.';
comment on column base.audit_log.organization_id is 'Tenant of the changed row; NULL for global tables such as base.users.';
comment on column base.audit_log.record_id is 'The changed row''s id column.';
comment on column base.audit_log.actor_user_id is 'JWT subject of the caller (base.current_user_id()); NULL for services and maintenance.';
comment on column base.audit_log.actor_role is 'Database role the change ran as (authenticated, service_role, the owner...).';
comment on column base.audit_log.transaction_id is 'Transaction that made the change: entries of one transaction share it.';
comment on column base.audit_log.changed_columns is 'For UPDATE: the columns whose value changed.';

do $$ begin perform base.register_partitioned_table('base.audit_log', 'month', p_premake => 3); end $$;

alter table base.audit_log enable row level security;

create policy select_admin on base.audit_log
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy select_admin on base.audit_log is 'Admins and owners read their organization''s audit trail.';

create policy select_service_role on base.audit_log
  for select to service_role using (true);
comment on policy select_service_role on base.audit_log is 'Trusted services read the whole trail; nobody writes it but the audit trigger.';

grant select on base.audit_log to authenticated, service_role;

-- Append-only for everyone.
create function internal.tg_audit_log__refuse_change()
returns trigger
language plpgsql
volatile
as $$
begin
  raise exception 'base.audit_log is append-only: % is not allowed', tg_op
    using errcode = '42501', hint = 'Old entries leave only through partition retention (base.partition_config).';
end
$$;
comment on function internal.tg_audit_log__refuse_change() is
  'Refuses UPDATE, DELETE and TRUNCATE on base.audit_log (42501).';
revoke execute on function internal.tg_audit_log__refuse_change() from public;

create trigger _000_refuse_change
  before update or delete on base.audit_log
  for each row execute function internal.tg_audit_log__refuse_change();
create trigger _000_refuse_truncate
  before truncate on base.audit_log
  for each statement execute function internal.tg_audit_log__refuse_change();

-- The audit trigger. SECURITY DEFINER so it can write a log that no caller may write; the
-- caller's identity is taken before the definer switch could hide it: the JWT subject, and the
-- role set by SET ROLE (or the session user when no role was set).
create function internal.tg__audit()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor uuid := base.current_user_id();
  v_role  text := coalesce(nullif(current_setting('role'), 'none'), session_user);
begin
  if tg_op = 'INSERT' then
    insert into base.audit_log
      (organization_id, table_schema, table_name, record_id, action, actor_user_id, actor_role, new_data)
    select (r.j ->> 'organization_id')::uuid, tg_table_schema, tg_table_name, (r.j ->> 'id')::uuid,
           tg_op, v_actor, v_role, r.j
      from (select to_jsonb(n) as j from new_rows as n) as r;
  elsif tg_op = 'DELETE' then
    insert into base.audit_log
      (organization_id, table_schema, table_name, record_id, action, actor_user_id, actor_role, old_data)
    select (r.j ->> 'organization_id')::uuid, tg_table_schema, tg_table_name, (r.j ->> 'id')::uuid,
           tg_op, v_actor, v_role, r.j
      from (select to_jsonb(o) as j from old_rows as o) as r;
  else
    insert into base.audit_log
      (organization_id, table_schema, table_name, record_id, action, actor_user_id, actor_role,
       old_data, new_data, changed_columns)
    select (coalesce(n.j, o.j) ->> 'organization_id')::uuid, tg_table_schema, tg_table_name,
           (coalesce(n.j, o.j) ->> 'id')::uuid, tg_op, v_actor, v_role, o.j, n.j,
           array(select k.key from jsonb_each(n.j) as k
                  where k.value is distinct from o.j -> k.key order by k.key)
      from (select to_jsonb(x) as j from old_rows as x) as o
      full join (select to_jsonb(x) as j from new_rows as x) as n on n.j -> 'id' = o.j -> 'id'
     where o.j is distinct from n.j;
  end if;
  return null;
end
$$;
comment on function internal.tg__audit() is
  'Statement-level AFTER trigger (with transition tables old_rows/new_rows) that writes one base.audit_log entry per changed row. Attach with base.enable_audit().';
revoke execute on function internal.tg__audit() from public;

create function base.enable_audit(p_table regclass)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_attribute
                  where attrelid = p_table and attname = 'id' and not attisdropped) then
    raise exception '% has no id column to audit by', p_table using errcode = '22023';
  end if;
  execute format('create trigger _900_audit_insert after insert on %s referencing new table as new_rows '
                 'for each statement execute function internal.tg__audit()', p_table);
  execute format('create trigger _900_audit_update after update on %s referencing old table as old_rows new table as new_rows '
                 'for each statement execute function internal.tg__audit()', p_table);
  execute format('create trigger _900_audit_delete after delete on %s referencing old table as old_rows '
                 'for each statement execute function internal.tg__audit()', p_table);
end
$$;
comment on function base.enable_audit(regclass) is
  'Attaches the audit triggers (_900_audit_insert/_update/_delete) to a table with an id column. Used by module deploy scripts; drop the three triggers to undo.';
revoke execute on function base.enable_audit(regclass) from public;

commit;
