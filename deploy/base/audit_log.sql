-- Deploy platform:base/audit_log to pg
-- Who did what to which row, and what the row looked like before and after.
--   * base.enable_audit(table) attaches three statement-level triggers with transition tables:
--     one INSERT of a whole batch per statement, instead of one trigger call per row;
--   * the log is monthly-partitioned (base.partition_config) and append-only (base/append_only):
--     UPDATE, DELETE and TRUNCATE are refused for every role, the owner included, on the log and
--     on each of its partitions; only partition retention (detach then drop) removes entries;
--   * its retention has a floor of one year (retention_floor), which only the owner may lower:
--     service_role may set the retention, but not below the floor (23514);
--   * occurred_at is always the transaction's time (no API role can write the log), so the log
--     needs no partition key window (p_guard_key => false);
--   * an entry's organization_id is the changed row's organization_id column, or its id for
--     base.organizations (the tenant root), so admins see changes to their organization.

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
comment on column base.audit_log.organization_id is 'Tenant of the changed row (for base.organizations, the organization itself); NULL for global tables such as base.users.';
comment on column base.audit_log.record_id is 'The changed row''s id column.';
comment on column base.audit_log.actor_user_id is 'JWT subject of the caller (base.current_user_id()); NULL for services and maintenance.';
comment on column base.audit_log.actor_role is 'Database role the change ran as (authenticated, service_role, the owner...).';
comment on column base.audit_log.transaction_id is 'Transaction that made the change: entries of one transaction share it.';
comment on column base.audit_log.changed_columns is 'For UPDATE: the columns whose value changed.';

do $$
begin
  perform base.register_partitioned_table('base.audit_log', 'month', p_premake => 3, p_guard_key => false,
                                          p_retention_floor => interval '1 year');
  -- Append-only for everyone, on the log and every partition (present and future).
  perform base.enable_append_only('base.audit_log');
end
$$;

alter table base.audit_log enable row level security;

create policy select_admin on base.audit_log
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy select_admin on base.audit_log is 'Admins and owners read their organization''s audit trail.';

create policy select_service_role on base.audit_log
  for select to service_role using (true);
comment on policy select_service_role on base.audit_log is 'Trusted services read the whole trail; nobody writes it but the audit trigger.';

grant select on base.audit_log to authenticated, service_role;

-- The audit triggers. One statement-level trigger per event, because a trigger with transition
-- tables fires for one event only; each passes its transition tables, as JSON rows, to one routine
-- that writes the entries. SECURITY DEFINER so they can write a log no caller may write; the
-- caller's identity is taken inside: the JWT subject, and the role set by SET ROLE (or the
-- session user when no role was set), which a definer switch does not change.
create function internal.write_audit_entries(p_schema text, p_table text, p_action text,
                                             p_old jsonb[], p_new jsonb[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_actor uuid := base.current_user_id();
  v_role  text := coalesce(nullif(current_setting('role'), 'none'), session_user);
begin
  insert into base.audit_log
    (organization_id, table_schema, table_name, record_id, action, actor_user_id, actor_role,
     old_data, new_data, changed_columns)
  select (coalesce(n.j, o.j) ->> case when p_schema = 'base' and p_table = 'organizations' then 'id'
                                      else 'organization_id' end)::uuid,
         p_schema, p_table,
         (coalesce(n.j, o.j) ->> 'id')::uuid, p_action, v_actor, v_role, o.j, n.j,
         case when p_action = 'UPDATE' then
           array(select k.key from jsonb_each(n.j) as k
                  where k.value is distinct from o.j -> k.key order by k.key)
         end
    from unnest(p_old) as o (j)
    full join unnest(p_new) as n (j) on n.j -> 'id' = o.j -> 'id'
   where o.j is distinct from n.j;    -- an UPDATE that changed nothing leaves no entry
end
$$;
comment on function internal.write_audit_entries(text, text, text, jsonb[], jsonb[]) is
  'Writes one base.audit_log entry per row of a statement: old and new rows paired by id, unchanged rows skipped. Called by the internal.tg__audit_* triggers only.';
revoke execute on function internal.write_audit_entries(text, text, text, jsonb[], jsonb[]) from public;

create function internal.tg__audit_insert()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform internal.write_audit_entries(tg_table_schema, tg_table_name, tg_op, null,
                                       (select array_agg(to_jsonb(n)) from new_rows as n));
  return null;
end
$$;
comment on function internal.tg__audit_insert() is
  'AFTER INSERT statement trigger (transition table new_rows) of audited tables.';
revoke execute on function internal.tg__audit_insert() from public;

create function internal.tg__audit_update()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform internal.write_audit_entries(tg_table_schema, tg_table_name, tg_op,
                                       (select array_agg(to_jsonb(o)) from old_rows as o),
                                       (select array_agg(to_jsonb(n)) from new_rows as n));
  return null;
end
$$;
comment on function internal.tg__audit_update() is
  'AFTER UPDATE statement trigger (transition tables old_rows, new_rows) of audited tables.';
revoke execute on function internal.tg__audit_update() from public;

create function internal.tg__audit_delete()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform internal.write_audit_entries(tg_table_schema, tg_table_name, tg_op,
                                       (select array_agg(to_jsonb(o)) from old_rows as o), null);
  return null;
end
$$;
comment on function internal.tg__audit_delete() is
  'AFTER DELETE statement trigger (transition table old_rows) of audited tables.';
revoke execute on function internal.tg__audit_delete() from public;

create function base.enable_audit(p_table regclass)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (select from pg_catalog.pg_attribute
                  where attrelid = p_table and attname = 'id' and not attisdropped) then
    raise exception '% has no id column to audit by', p_table using errcode = '22023';
  end if;
  execute format('create trigger _900_audit_insert after insert on %s referencing new table as new_rows '
                 'for each statement execute function internal.tg__audit_insert()', p_table);
  execute format('create trigger _900_audit_update after update on %s referencing old table as old_rows new table as new_rows '
                 'for each statement execute function internal.tg__audit_update()', p_table);
  execute format('create trigger _900_audit_delete after delete on %s referencing old table as old_rows '
                 'for each statement execute function internal.tg__audit_delete()', p_table);
end
$$;
comment on function base.enable_audit(regclass) is
  'Attaches the audit triggers (_900_audit_insert/_update/_delete) to a table with an id column. Used by module deploy scripts; drop the three triggers to undo.';
revoke execute on function base.enable_audit(regclass) from public;

commit;
