-- Deploy platform:citus/distribute to pg
-- Scale-out on Citus: where the `citus` extension exists (a Citus coordinator), the global catalogs
-- become reference tables and every other table with an organization_id is distributed by it, all
-- colocated, partitioned tables included. Where citus is absent (plain PostgreSQL, Supabase) this
-- change does nothing: the single-node schema stays exactly as it was.
--
-- What Citus refuses in the single-node schema is put in a form it runs, on Citus only, and every
-- such edit is recorded with the statement that undoes it in internal.citus_distribution_undo,
-- which the revert replays (so deploy -> revert -> deploy leaves the same schema):
--   - foreign keys are dropped before distribution and added again afterwards, so that Citus never
--     auto-converts half of the foreign-key graph to "citus local" tables;
--   - ON DELETE SET NULL (col) keys that include organization_id (the distribution column) become
--     NO ACTION keys plus a BEFORE DELETE row trigger on the parent that nulls the column in the
--     colocated child shard (a local write from a trigger, which Citus allows);
--   - policies with `(select fn())` (Citus refuses subqueries in policies on distributed tables)
--     are re-created without the subquery, and membership is asked per row of one organization
--     (internal.citus_has_organization_role, a router lookup of the colocated membership shard)
--     instead of as the array of all the caller's organizations;
--   - base.audit_log gets organization_id in its primary key (and NOT NULL: rows of global tables
--     are not audited on Citus), events.event_subscriptions' unique index on id alone becomes a
--     plain index; audit triggers of reference tables are dropped (they would fire once per
--     replica), and the organization's task-history cascade becomes a foreign key;
--   - every function of the package is propagated to the workers (create_distributed_function),
--     because policies and triggers run there.
-- Triggers on distributed tables need citus.enable_unsafe_triggers, set for this transaction.

begin;

set local lock_timeout = '5s';

do $distribute$
declare
  v_reference constant text[] := array[
    'base.users', 'base.organizations', 'analytics.issue_severity_weights',
    'analytics.quality_score_weights', 'prompts.models', 'prompts.model_prices', 'events.event_types'];
  v_schemas constant text[] := array['base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events'];
  v_distributed text[];
  v_table text;
  v_rec record;
  v_col text;
  v_note text;
  v_qual text;
  v_check text;
  v_trigger text;
  v_def text;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    raise notice 'citus/distribute: the citus extension is not installed here; nothing to distribute';
    return;
  end if;

  -- Citus writes the rows of an INSERT ... SELECT it cannot send to one shard (event routing, batch
  -- ingest: their ids come from a volatile default) with COPY, and PostgreSQL refuses COPY FROM to a
  -- role under row-level security. service_role's policies admit every row already, so BYPASSRLS
  -- gives it nothing more; Supabase's service_role has it, elsewhere a superuser grants it.
  if not (select r.rolbypassrls from pg_catalog.pg_roles as r where r.rolname = 'service_role') then
    raise exception 'citus/distribute: service_role needs BYPASSRLS on Citus'
      using errcode = '42501',
            detail = 'Citus writes the rows of event routing and batch ingest with COPY, which PostgreSQL refuses to a role under row-level security.',
            hint = 'As a superuser run: ALTER ROLE service_role BYPASSRLS; then deploy again.';
  end if;

  perform pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
  perform pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);

  -- The deployer's memberships in the API roles (base/roles_and_schemas grants them inside an
  -- exception block, which Citus does not propagate): triggers on the workers ask them.
  for v_rec in
    select m.roleid::regrole::text as role_name
      from pg_catalog.pg_auth_members as m
     where m.member = (select oid from pg_catalog.pg_roles where rolname = current_user)
       and m.roleid::regrole::text in ('anon', 'authenticated', 'service_role', 'platform_monitor')
  loop
    execute pg_catalog.format('grant %I to %I', v_rec.role_name, current_user);
  end loop;

  create table internal.citus_distribution_undo (
    step      integer generated always as identity primary key,
    phase     smallint not null check (phase in (1, 2)),
    statement text not null
  );
  comment on table internal.citus_distribution_undo is
    'Citus only (citus/distribute): the statements that undo what the distribution changed. The revert runs phase 1 (newest first), undistributes every table, then runs phase 2 (oldest first).';

  -- Tenant tables: every table of the package with an organization_id that is not a global catalog.
  select pg_catalog.array_agg(pg_catalog.format('%I.%I', n.nspname, c.relname) order by c.oid)
    into v_distributed
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
   where n.nspname = any (v_schemas) and c.relkind in ('r', 'p') and not c.relispartition
     and exists (select from pg_catalog.pg_attribute as a
                  where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
     and pg_catalog.format('%I.%I', n.nspname, c.relname) <> all (v_reference);

  -- Helpers of the Citus form, created here only (single-node PostgreSQL never has them).
  create function internal.citus_has_organization_role(p_organization_id uuid, p_min_role base.organization_role)
  returns boolean
  language plpgsql
  stable
  security definer
  set search_path = pg_catalog, pg_temp
  set citus.allow_nested_distributed_execution = on
  as $fn$
  begin
    -- A router query on the membership shard colocated with the row's shard: on the worker that
    -- evaluates the policy it is a local read (nested execution is allowed for this function only).
    return exists (select from base.organization_members as m
                    where m.organization_id = p_organization_id
                      and m.user_id = base.current_user_id()
                      and m.role >= p_min_role);
  end
  $fn$;
  comment on function internal.citus_has_organization_role(uuid, base.organization_role) is
    'Citus only (citus/distribute): true when the calling user holds at least p_min_role in the organization. The Citus form of the policies'' organization_id = any((select internal.organization_ids_for(...))): Citus refuses subqueries in policies of distributed tables.';
  revoke execute on function internal.citus_has_organization_role(uuid, base.organization_role) from public;
  grant execute on function internal.citus_has_organization_role(uuid, base.organization_role) to authenticated, service_role;

  create function internal.citus_is_colleague(p_user_id uuid)
  returns boolean
  language plpgsql
  stable
  security definer
  set search_path = pg_catalog, pg_temp
  set citus.allow_nested_distributed_execution = on
  as $fn$
  begin
    return exists (select from base.organization_members as m
                    where m.user_id = p_user_id
                      and m.organization_id = any (internal.organization_ids_for('viewer')));
  end
  $fn$;
  comment on function internal.citus_is_colleague(uuid) is
    'Citus only (citus/distribute): true when p_user_id is a member of an organization the calling user belongs to. The Citus form of the base.users colleague policy (its EXISTS subquery).';
  revoke execute on function internal.citus_is_colleague(uuid) from public;
  grant execute on function internal.citus_is_colleague(uuid) to authenticated, service_role;

  create function internal.tg__citus_set_null()
  returns trigger
  language plpgsql
  volatile
  security definer
  set search_path = pg_catalog, pg_temp
  as $fn$
  begin
    -- tg_argv: child table, child column, referenced (parent) column. Runs on the parent's shard;
    -- the child's rows of the same organization live in the colocated shard on the same node.
    execute pg_catalog.format('update %s set %I = null where organization_id = $1 and %I = $2',
                              tg_argv[0], tg_argv[1], tg_argv[1])
      using old.organization_id, (pg_catalog.to_jsonb(old) ->> tg_argv[2])::uuid;
    return old;
  end
  $fn$;
  comment on function internal.tg__citus_set_null() is
    'Citus only (citus/distribute): BEFORE DELETE row trigger on a parent that does what ON DELETE SET NULL (col) did on a key including organization_id, which Citus refuses. Arguments: child table, child column, parent column.';
  revoke execute on function internal.tg__citus_set_null() from public;

  -- led_project_ids() reads the caller's project memberships in every organization.
  alter function internal.led_project_ids() set citus.allow_nested_distributed_execution = on;
  alter function internal.organization_ids_for(base.organization_role) set citus.allow_nested_distributed_execution = on;

  create temporary table citus_fkeys (
    id serial, tbl text, conname text, def text, set_null_col text, parent text, parent_col text
  ) on commit drop;

  -- 1. Foreign keys out of the way (re-added after distribution, in a form Citus supports).
  for v_rec in
    select k.conname, k.conrelid::regclass::text as tbl, k.confrelid::regclass::text as parent,
           pg_catalog.pg_get_constraintdef(k.oid) as def, k.conkey, k.confkey, k.conrelid, k.confrelid
      from pg_catalog.pg_constraint as k
     where k.contype = 'f' and k.conparentid = 0
       and (k.conrelid::regclass::text = any (v_distributed || v_reference)
            or k.confrelid::regclass::text = any (v_distributed || v_reference))
     order by k.oid
  loop
    execute pg_catalog.format('alter table %s drop constraint %I', v_rec.tbl, v_rec.conname);
    insert into internal.citus_distribution_undo (phase, statement)
    values (2, pg_catalog.format('alter table %s add constraint %I %s', v_rec.tbl, v_rec.conname, v_rec.def));
    v_col := (pg_catalog.regexp_match(v_rec.def, ' ON DELETE SET NULL \(([a-z_]+)\)'))[1];
    insert into pg_temp.citus_fkeys (tbl, conname, def, set_null_col, parent, parent_col)
    select v_rec.tbl, v_rec.conname,
           pg_catalog.regexp_replace(v_rec.def, ' ON DELETE SET NULL \(([a-z_]+)\)', ''),
           v_col, v_rec.parent,
           (select pa.attname
              from unnest(v_rec.conkey, v_rec.confkey) as u(ck, fk)
              join pg_catalog.pg_attribute as ca on ca.attrelid = v_rec.conrelid and ca.attnum = u.ck
              join pg_catalog.pg_attribute as pa on pa.attrelid = v_rec.confrelid and pa.attnum = u.fk
             where ca.attname = v_col);
  end loop;

  -- 2. Keys without the distribution column.
  execute 'alter table base.audit_log drop constraint audit_log_pkey';
  execute 'alter table base.audit_log alter column organization_id set not null';
  execute 'alter table base.audit_log add constraint audit_log_pkey primary key (organization_id, id, occurred_at)';
  insert into internal.citus_distribution_undo (phase, statement) values
    (2, 'alter table base.audit_log drop constraint audit_log_pkey'),
    (2, 'alter table base.audit_log alter column organization_id drop not null'),
    (2, 'alter table base.audit_log add constraint audit_log_pkey primary key (id, occurred_at)');
  v_note := pg_catalog.obj_description('events.event_subscriptions_id_key'::regclass, 'pg_class');
  execute 'drop index events.event_subscriptions_id_key';
  execute 'create index event_subscriptions_id_key on events.event_subscriptions (id)';
  insert into internal.citus_distribution_undo (phase, statement) values
    (2, 'drop index events.event_subscriptions_id_key'),
    (2, 'create unique index event_subscriptions_id_key on events.event_subscriptions (id)');
  if v_note is not null then
    insert into internal.citus_distribution_undo (phase, statement)
    values (2, pg_catalog.format('comment on index events.event_subscriptions_id_key is %L', v_note));
  end if;

  -- 3. Triggers that cannot run on reference-table replicas: audit rows (once per node, without an
  --    organization) and the statement-level task-history cascade (a distributed delete from a
  --    trigger); the cascade becomes a foreign key of task_history once it is distributed.
  for v_rec in
    select t.tgrelid::regclass::text as tbl, t.tgname, pg_catalog.pg_get_triggerdef(t.oid) as def,
           pg_catalog.obj_description(t.oid, 'pg_trigger') as note
      from pg_catalog.pg_trigger as t
     where not t.tgisinternal and t.tgrelid::regclass::text = any (v_reference)
       and (t.tgname like '\_900\_audit\_%' or t.tgname = '_500_delete_task_history')
     order by t.oid
  loop
    execute pg_catalog.format('drop trigger %I on %s', v_rec.tgname, v_rec.tbl);
    insert into internal.citus_distribution_undo (phase, statement) values (2, v_rec.def);
    if v_rec.note is not null then
      insert into internal.citus_distribution_undo (phase, statement)
      values (2, pg_catalog.format('comment on trigger %I on %s is %L', v_rec.tgname, v_rec.tbl, v_rec.note));
    end if;
  end loop;

  -- 4. Policies in a form Citus runs: no subqueries; membership of the row's organization.
  for v_rec in
    select p.schemaname, p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check,
           pg_catalog.obj_description(pol.oid, 'pg_policy') as note
      from pg_catalog.pg_policies as p
      join pg_catalog.pg_policy as pol
        on pol.polname = p.policyname
       and pol.polrelid = pg_catalog.format('%I.%I', p.schemaname, p.tablename)::regclass
     where pg_catalog.format('%I.%I', p.schemaname, p.tablename) = any (v_distributed || v_reference)
       and (p.qual ~ 'SELECT' or p.with_check ~ 'SELECT')
     order by pol.oid
  loop
    execute pg_catalog.format('drop policy %I on %I.%I', v_rec.policyname, v_rec.schemaname, v_rec.tablename);
    insert into internal.citus_distribution_undo (phase, statement)
    values (2, pg_catalog.format('create policy %I on %I.%I as %s for %s to %s%s%s',
                 v_rec.policyname, v_rec.schemaname, v_rec.tablename, v_rec.permissive, v_rec.cmd,
                 pg_catalog.array_to_string(v_rec.roles, ', '),
                 case when v_rec.qual is not null then ' using (' || v_rec.qual || ')' else '' end,
                 case when v_rec.with_check is not null then ' with check (' || v_rec.with_check || ')' else '' end));
    if v_rec.note is not null then
      insert into internal.citus_distribution_undo (phase, statement)
      values (2, pg_catalog.format('comment on policy %I on %I.%I is %L', v_rec.policyname, v_rec.schemaname, v_rec.tablename, v_rec.note));
    end if;
    v_qual := v_rec.qual;
    v_check := v_rec.with_check;
    if v_rec.schemaname = 'base' and v_rec.tablename = 'users' then
      v_qual := pg_catalog.regexp_replace(v_qual, 'EXISTS \( SELECT.*$', 'internal.citus_is_colleague(id)))');
    end if;
    v_qual := pg_catalog.regexp_replace(v_qual,
      '(\w+) = ANY \(\( SELECT internal\.organization_ids_for\((''[a-z]+''::base\.organization_role)\) AS organization_ids_for\)::uuid\[\]\)',
      'internal.citus_has_organization_role(\1, \2)', 'g');
    v_qual := pg_catalog.regexp_replace(v_qual, '\( SELECT ([a-z_]+\.[a-z_]+\([^()]*\)) AS [a-z_]+\)', '\1', 'g');
    v_check := pg_catalog.regexp_replace(v_check,
      '(\w+) = ANY \(\( SELECT internal\.organization_ids_for\((''[a-z]+''::base\.organization_role)\) AS organization_ids_for\)::uuid\[\]\)',
      'internal.citus_has_organization_role(\1, \2)', 'g');
    v_check := pg_catalog.regexp_replace(v_check, '\( SELECT ([a-z_]+\.[a-z_]+\([^()]*\)) AS [a-z_]+\)', '\1', 'g');
    if v_qual ~ 'SELECT' or v_check ~ 'SELECT' then
      raise exception 'citus/distribute: no Citus form for policy % on %.%: %', v_rec.policyname,
        v_rec.schemaname, v_rec.tablename, coalesce(v_qual, '') || ' / ' || coalesce(v_check, '');
    end if;
    execute pg_catalog.format('create policy %I on %I.%I as %s for %s to %s%s%s',
                 v_rec.policyname, v_rec.schemaname, v_rec.tablename, v_rec.permissive, v_rec.cmd,
                 pg_catalog.array_to_string(v_rec.roles, ', '),
                 case when v_qual is not null then ' using (' || v_qual || ')' else '' end,
                 case when v_check is not null then ' with check (' || v_check || ')' else '' end);
    execute pg_catalog.format('comment on policy %I on %I.%I is %L', v_rec.policyname, v_rec.schemaname, v_rec.tablename,
                 pg_catalog.concat_ws(' ', v_rec.note, '(Citus form, without subqueries: see citus/distribute.)'));
    insert into internal.citus_distribution_undo (phase, statement)
    values (1, pg_catalog.format('drop policy %I on %I.%I', v_rec.policyname, v_rec.schemaname, v_rec.tablename));
  end loop;

  -- 5. Distribution: reference tables, then every tenant table colocated with the membership table.
  foreach v_table in array v_reference loop
    perform pg_catalog.create_reference_table(v_table::regclass);
    -- the copy on the coordinator's shell table is no longer read: free it
    perform pg_catalog.truncate_local_data_after_distributing_table(v_table::regclass);
  end loop;
  perform pg_catalog.create_distributed_table('base.organization_members', 'organization_id', colocate_with => 'none');
  foreach v_table in array v_distributed loop
    if v_table <> 'base.organization_members' then
      perform pg_catalog.create_distributed_table(v_table::regclass, 'organization_id', colocate_with => 'base.organization_members');
    end if;
  end loop;

  -- 6. Foreign keys again, in the Citus form; the organization's task-history cascade as a key.
  for v_rec in select * from pg_temp.citus_fkeys order by id loop
    execute pg_catalog.format('alter table %s add constraint %I %s', v_rec.tbl, v_rec.conname, v_rec.def);
    insert into internal.citus_distribution_undo (phase, statement)
    values (1, pg_catalog.format('alter table %s drop constraint %I', v_rec.tbl, v_rec.conname));
    if v_rec.set_null_col is not null then
      v_trigger := pg_catalog.left('_050_set_null_' || v_rec.conname, 63);
      execute pg_catalog.format(
        'create trigger %I before delete on %s for each row execute function internal.tg__citus_set_null(%L, %L, %L)',
        v_trigger, v_rec.parent, v_rec.tbl, v_rec.set_null_col, v_rec.parent_col);
      execute pg_catalog.format('comment on trigger %I on %s is %L', v_trigger, v_rec.parent,
        pg_catalog.format('Citus form of %s ON DELETE SET NULL (%s): nulls %s.%s of the deleted row''s children.',
                          v_rec.conname, v_rec.set_null_col, v_rec.tbl, v_rec.set_null_col));
      insert into internal.citus_distribution_undo (phase, statement)
      values (1, pg_catalog.format('drop trigger %I on %s', v_trigger, v_rec.parent));
    end if;
  end loop;
  execute 'alter table tasks.task_history add constraint task_history_organization_id_fkey foreign key (organization_id) references base.organizations (id) on delete cascade';
  insert into internal.citus_distribution_undo (phase, statement)
  values (1, 'alter table tasks.task_history drop constraint task_history_organization_id_fkey');

  -- Last in phase 2: the helpers go once the policies and triggers that call them are back.
  insert into internal.citus_distribution_undo (phase, statement) values
    (2, 'drop function internal.citus_has_organization_role(uuid, base.organization_role)'),
    (2, 'drop function internal.citus_is_colleague(uuid)'),
    (2, 'drop function internal.tg__citus_set_null()'),
    (2, 'alter function internal.led_project_ids() reset citus.allow_nested_distributed_execution'),
    (2, 'alter function internal.organization_ids_for(base.organization_role) reset citus.allow_nested_distributed_execution');


  -- 7a. Audit rows name the logical table: on a shard the audit triggers see the shard's name
  --     (projects_102087); map it back through the shard metadata every node holds.
  insert into internal.citus_distribution_undo (phase, statement)
  values (2, pg_catalog.pg_get_functiondef('internal.write_audit_entries(text, text, text, jsonb[], jsonb[])'::regprocedure));
  execute $fn$
create or replace function internal.write_audit_entries(p_schema text, p_table text, p_action text,
                                                       p_old jsonb[], p_new jsonb[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $body$
declare
  v_actor uuid := base.current_user_id();
  v_role  text := coalesce(nullif(current_setting('role'), 'none'), session_user);
  v_table text := p_table;
begin
  -- Citus form (citus/distribute): a shard's name is its table's name plus _<shardid>.
  if p_table ~ '_[0-9]+$' then
    select c.relname into v_table
      from pg_dist_shard as s
      join pg_catalog.pg_class as c on c.oid = s.logicalrelid
     where s.shardid = (pg_catalog.regexp_match(p_table, '_([0-9]+)$'))[1]::bigint;
    v_table := coalesce(v_table, p_table);
  end if;
  insert into base.audit_log
    (organization_id, table_schema, table_name, record_id, action, actor_user_id, actor_role,
     old_data, new_data, changed_columns)
  select (coalesce(n.j, o.j) ->> case when p_schema = 'base' and v_table = 'organizations' then 'id'
                                      else 'organization_id' end)::uuid,
         p_schema, v_table,
         (coalesce(n.j, o.j) ->> 'id')::uuid, p_action, v_actor, v_role, o.j, n.j,
         case when p_action = 'UPDATE' then
           array(select k.key from jsonb_each(n.j) as k
                  where k.value is distinct from o.j -> k.key order by k.key)
         end
    from unnest(p_old) as o (j)
    full join unnest(p_new) as n (j) on n.j -> 'id' = o.j -> 'id'
   where o.j is distinct from n.j;    -- an UPDATE that changed nothing leaves no entry
end
$body$
$fn$;

  -- 7d. The tenant lock's upsert without a function in DO UPDATE SET: Citus refuses non-IMMUTABLE
  --     functions there ("functions used in the DO UPDATE SET clause of INSERTs on distributed
  --     tables must be marked IMMUTABLE"), which broke every rule that serializes a tenant.
  insert into internal.citus_distribution_undo (phase, statement)
  values (2, pg_catalog.pg_get_functiondef('internal.serialize_tenant(uuid, text)'::regprocedure));
  execute $fn$
create or replace function internal.serialize_tenant(p_organization_id uuid, p_scope text)
returns void
language plpgsql
volatile
strict
security definer
set search_path = pg_catalog, pg_temp
as $body$
begin
  -- Citus form (citus/distribute): now() evaluated in VALUES, not in DO UPDATE SET.
  insert into internal.tenant_locks as l (organization_id, scope, locked_at)
  values (p_organization_id, p_scope, now())
  on conflict on constraint tenant_locks_pkey
  do update set version = l.version + 1, locked_at = excluded.locked_at;
end
$body$
$fn$;

  -- 7c. SQL functions with parameters that read Citus tables become PL/pgSQL: Citus cannot plan
  --     a parameterized query on its tables inside a SQL function ("parameterized queries for SQL functions
  --     referencing distributed tables are not supported"), and PL/pgSQL hands it custom plans.
  --     Same signature, attributes and body; the body runs as RETURN QUERY (set-returning) or as a
  --     FOR loop that returns the first row (the value a SQL function returns).
  for v_rec in
    select p.oid, p.oid::regprocedure::text as sig, p.proretset, pg_catalog.pg_get_functiondef(p.oid) as def,
           pg_catalog.rtrim(pg_catalog.btrim(p.prosrc), E'; \n\t') as body,
           pg_catalog.format_type(p.prorettype, null) as rettype
      from pg_catalog.pg_proc as p
      join pg_catalog.pg_language as l on l.oid = p.prolang
     where l.lanname = 'sql' and p.pronargs > 0 and p.prosqlbody is null
       and p.pronamespace::regnamespace::text = any (v_schemas)
       -- it reads a table of the package, or a view over them (tasks.all_tasks)
       and exists (select from pg_catalog.pg_class as c
                    where c.relkind in ('r', 'p', 'v') and not c.relispartition
                      and c.relnamespace::regnamespace::text = any (v_schemas)
                      and p.prosrc ~* ('\m' || pg_catalog.replace(c.oid::regclass::text, '.', '\.') || '\M'))
     order by p.oid
  loop
    if pg_catalog.strpos(v_rec.body, ';') > 0 then
      raise notice 'citus/distribute: % has several statements; left a SQL function', v_rec.sig;
      continue;
    end if;
    insert into internal.citus_distribution_undo (phase, statement) values (2, v_rec.def);
    v_def := pg_catalog.regexp_replace(v_rec.def, '\n LANGUAGE sql\n', E'\n LANGUAGE plpgsql\n');
    v_def := pg_catalog.left(v_def, pg_catalog.strpos(v_def, 'AS $function$') - 1)
          || 'AS $function$' || E'\n#variable_conflict use_column\n'
          || case when v_rec.proretset
                  then pg_catalog.format(E'begin\n  return query\n%s;\nend\n', v_rec.body)
                  else pg_catalog.format(E'declare\n  v_result %s;\nbegin\n  for v_result in\n%s\n  loop\n    return v_result;\n  end loop;\n  return null;\nend\n', v_rec.rettype, v_rec.body)
             end
          || '$function$';
    execute v_def;
  end loop;

  -- 7b. Monitoring of the cluster, on Citus only: nodes, shard placement and size, tenant skew.
  execute $v$
create view monitoring.citus_nodes as
select n.nodeid, n.groupid, n.nodename, n.nodeport, n.noderole, n.isactive, n.shouldhaveshards,
       n.nodename || ':' || n.nodeport as node
  from pg_dist_node as n
$v$;
  execute $v$
create view monitoring.citus_shard_sizes as
select s.table_name::text as table_name, s.citus_table_type, s.colocation_id,
       s.nodename || ':' || s.nodeport as node,
       count(*) as shards, sum(s.shard_size) as bytes,
       pg_catalog.pg_size_pretty(sum(s.shard_size)) as size
  from citus_shards as s
 group by 1, 2, 3, 4
$v$;
  execute $v$
create view monitoring.citus_tenant_skew as
select o.organization_id, pg_catalog.get_shard_id_for_distribution_column('base.organization_members', o.organization_id) as shard_id,
       o.members
  from (select m.organization_id, count(*) as members from base.organization_members as m group by 1) as o
$v$;
  comment on view monitoring.citus_nodes is
    'Citus only (citus/distribute): the coordinator and workers, whether each is active and may hold shards. A node missing or inactive here is a node the cluster cannot reach.';
  comment on view monitoring.citus_shard_sizes is
    'Citus only (citus/distribute): per table and node, the number of shard placements and their size: where the data lives and how evenly.';
  comment on view monitoring.citus_tenant_skew is
    'Citus only (citus/distribute): per organization, the shard that holds it and its member count; tenants of one shard share a node.';
  grant select on monitoring.citus_nodes, monitoring.citus_shard_sizes, monitoring.citus_tenant_skew to platform_monitor, service_role;
  insert into internal.citus_distribution_undo (phase, statement) values
    (2, 'drop view monitoring.citus_nodes'),
    (2, 'drop view monitoring.citus_shard_sizes'),
    (2, 'drop view monitoring.citus_tenant_skew');

  -- 7. Every function of the package on every node: policies and triggers run on the workers.
  for v_rec in
    select p.oid::regprocedure::text as sig
      from pg_catalog.pg_proc as p
      join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = any (v_schemas) and p.prokind in ('f', 'p')
       and not exists (select from pg_catalog.pg_depend as d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
       and not exists (select from pg_dist_object as o
                        where o.classid = 'pg_catalog.pg_proc'::regclass and o.objid = p.oid)
       -- functions of the coordinator's local tables (partition maintenance reads
       -- base.partition_config) stay on the coordinator
       and not exists (select from pg_catalog.pg_depend as d
                         join pg_catalog.pg_type as t on t.oid = d.refobjid
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                          and d.refclassid = 'pg_catalog.pg_type'::regclass and t.typrelid <> 0
                          and not exists (select from pg_dist_partition as dp where dp.logicalrelid = t.typrelid))
     order by p.oid
  loop
    perform pg_catalog.create_distributed_function(v_rec.sig::regprocedure);
  end loop;
end
$distribute$;

commit;

-- A second transaction: run_command_on_shards works on its own connections, which see the shards
-- only once the distribution is committed.
begin;

set local lock_timeout = '5s';

-- Column-level INSERT grants: the coordinator checks them on the statement the client sent,
-- but Citus sends the shards an INSERT that names every column (defaults included), which a
-- column grant refuses there ("permission denied for table projects_103007"). The shards get
-- the table-level INSERT; clients reach the data through the coordinator, which keeps the
-- column grants, and the shards keep their RLS policies.
do $grants$
declare
  v_rec record;
  v_failed text;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  for v_rec in
    select distinct c.oid::regclass::text as tbl, a.grantee::regrole::text as grantee
      from pg_catalog.pg_class as c
      join pg_catalog.pg_attribute as att on att.attrelid = c.oid and att.attnum > 0 and att.attacl is not null
      cross join lateral pg_catalog.aclexplode(att.attacl) as a
     where c.oid in (select logicalrelid from pg_dist_partition)
       and not c.relispartition
       and a.privilege_type = 'INSERT'
       and a.grantee <> c.relowner
  loop
    select pg_catalog.string_agg(r.result, '; ') into v_failed
      from pg_catalog.run_command_on_shards(v_rec.tbl::regclass,
             pg_catalog.format('grant insert on %%s to %I', v_rec.grantee)) as r
     where not r.success;
    if v_failed is not null then
      raise exception 'citus/distribute: grant insert on the shards of % failed: %', v_rec.tbl, v_failed;
    end if;
  end loop;
end
$grants$;

commit;
