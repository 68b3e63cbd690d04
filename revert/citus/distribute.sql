-- Revert platform:citus/distribute from pg
-- Where citus/distribute distributed the tables (internal.citus_distribution_undo exists): undo its
-- Citus forms (phase 1, newest first), turn every distributed and reference table of the package
-- back into a local table (undistribute_table), then restore the single-node forms (phase 2,
-- oldest first). Without citus the deploy did nothing, and so does this.

begin;

do $revert$
declare
  v_rec record;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus')
     or pg_catalog.to_regclass('internal.citus_distribution_undo') is null then
    return;
  end if;
  perform pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
  perform pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);

  for v_rec in select statement from internal.citus_distribution_undo where phase = 1 order by step desc loop
    execute v_rec.statement;
  end loop;

  -- undistribute_table re-creates each table and drops with it (CASCADE) what depends on it:
  -- functions typed by its row, comments, the policies of reference tables; it re-parses CHECK
  -- expressions (same meaning, different parentheses: the lane compares them without). Capture all of that first and put it back afterwards, so the schema is exactly
  -- the single-node one again (tests/citus/schema_fingerprint.sql proves it in the Citus lane).
  create temporary table citus_restore (step integer generated always as identity, statement text not null) on commit drop;
  create temporary table citus_tables on commit drop as
    select c.oid, c.reltype
      from pg_dist_partition as p
      join pg_catalog.pg_class as c on c.oid = p.logicalrelid
     where c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events');
  -- functions that depend on these tables or their row types, with their comments and grants
  insert into pg_temp.citus_restore (statement)
  select stmt from (
    select f.oid, 0 as k, pg_catalog.pg_get_functiondef(f.oid) as stmt
      from pg_catalog.pg_proc as f
     where f.oid in (select d.objid from pg_catalog.pg_depend as d
                      where d.classid = 'pg_catalog.pg_proc'::regclass
                        and d.refobjid in (select oid from pg_temp.citus_tables union all select reltype from pg_temp.citus_tables))
    union all
    select f.oid, 1, pg_catalog.format('comment on function %s is %L', f.oid::regprocedure, pg_catalog.obj_description(f.oid, 'pg_proc'))
      from pg_catalog.pg_proc as f
     where pg_catalog.obj_description(f.oid, 'pg_proc') is not null
       and f.oid in (select d.objid from pg_catalog.pg_depend as d
                      where d.classid = 'pg_catalog.pg_proc'::regclass
                        and d.refobjid in (select oid from pg_temp.citus_tables union all select reltype from pg_temp.citus_tables))
    union all
    select f.oid, 2, pg_catalog.format('revoke all on function %s from public', f.oid::regprocedure)
      from pg_catalog.pg_proc as f
     where f.proacl is not null
       and f.oid in (select d.objid from pg_catalog.pg_depend as d
                      where d.classid = 'pg_catalog.pg_proc'::regclass
                        and d.refobjid in (select oid from pg_temp.citus_tables union all select reltype from pg_temp.citus_tables))
    union all
    select f.oid, 3 + a.n, pg_catalog.format('grant execute on function %s to %I', f.oid::regprocedure, a.grantee::regrole)
      from pg_catalog.pg_proc as f, pg_catalog.aclexplode(f.proacl) with ordinality as a(grantor, grantee, privilege_type, is_grantable, n)
     where a.grantee <> f.proowner and a.grantee <> 0
       and f.oid in (select d.objid from pg_catalog.pg_depend as d
                      where d.classid = 'pg_catalog.pg_proc'::regclass
                        and d.refobjid in (select oid from pg_temp.citus_tables union all select reltype from pg_temp.citus_tables))
  ) as x order by oid, k;
  -- views: undistribute_table re-creates the dependent ones from its own deparse, without their
  -- grants; put every view of the package back as it was (same columns: CREATE OR REPLACE)
  insert into pg_temp.citus_restore (statement)
  select stmt from (
    select c.oid, 0 as k,
           pg_catalog.format('create or replace view %s%s as %s', c.oid::regclass,
             case when c.reloptions is not null then ' with (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')' else '' end,
             pg_catalog.pg_get_viewdef(c.oid)) as stmt
      from pg_catalog.pg_class as c
     where c.relkind = 'v' and c.relname not like 'citus\_%'
       and c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
    union all
    select c.oid, 1 + a.n, pg_catalog.format('grant %s on %s to %I', a.privilege_type, c.oid::regclass, a.grantee::regrole)
      from pg_catalog.pg_class as c,
           pg_catalog.aclexplode(c.relacl) with ordinality as a(grantor, grantee, privilege_type, is_grantable, n)
     where c.relkind = 'v' and c.relname not like 'citus\_%' and a.grantee <> c.relowner and a.grantee <> 0
       and c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
  ) as x order by oid, k;
  -- policies of the tables
  insert into pg_temp.citus_restore (statement)
  select pg_catalog.format('drop policy if exists %I on %I.%I; create policy %I on %I.%I as %s for %s to %s%s%s',
           p.policyname, p.schemaname, p.tablename, p.policyname, p.schemaname, p.tablename, p.permissive, p.cmd,
           pg_catalog.array_to_string(p.roles, ', '),
           case when p.qual is not null then ' using (' || p.qual || ')' else '' end,
           case when p.with_check is not null then ' with check (' || p.with_check || ')' else '' end)
    from pg_catalog.pg_policies as p
   where pg_catalog.format('%I.%I', p.schemaname, p.tablename)::regclass in (select oid from pg_temp.citus_tables);
  -- every comment of the package's relations, columns, constraints, triggers and policies
  insert into pg_temp.citus_restore (statement)
  select pg_catalog.format('comment on %s %s is %L',
           case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'i' then 'index'
                          when 'I' then 'index' when 'S' then 'sequence' else 'table' end,
           c.oid::regclass, pg_catalog.obj_description(c.oid, 'pg_class'))
    from pg_catalog.pg_class as c
   where c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
     and c.relname not like 'citus\_%'
     and pg_catalog.obj_description(c.oid, 'pg_class') is not null
  union all
  select pg_catalog.format('comment on column %s.%I is %L', c.oid::regclass, a.attname, pg_catalog.col_description(c.oid, a.attnum))
    from pg_catalog.pg_class as c
    join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
   where c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
     and c.relname not like 'citus\_%'
     and pg_catalog.col_description(c.oid, a.attnum) is not null
  union all
  select pg_catalog.format('comment on constraint %I on %s is %L', k.conname, k.conrelid::regclass, pg_catalog.obj_description(k.oid, 'pg_constraint'))
    from pg_catalog.pg_constraint as k
   where k.conrelid in (select oid from pg_temp.citus_tables) and pg_catalog.obj_description(k.oid, 'pg_constraint') is not null
  union all
  select pg_catalog.format('comment on trigger %I on %s is %L', t.tgname, t.tgrelid::regclass, pg_catalog.obj_description(t.oid, 'pg_trigger'))
    from pg_catalog.pg_trigger as t
   where t.tgrelid in (select oid from pg_temp.citus_tables) and pg_catalog.obj_description(t.oid, 'pg_trigger') is not null
  union all
  select pg_catalog.format('comment on policy %I on %s is %L', p.polname, p.polrelid::regclass, pg_catalog.obj_description(p.oid, 'pg_policy'))
    from pg_catalog.pg_policy as p
   where p.polrelid in (select oid from pg_temp.citus_tables) and pg_catalog.obj_description(p.oid, 'pg_policy') is not null;

  -- distributed tables first (they may reference the reference tables), partitions with their parent
  for v_rec in
    select p.logicalrelid::regclass as rel
      from pg_dist_partition as p
      join pg_catalog.pg_class as c on c.oid = p.logicalrelid
     where c.relnamespace::regnamespace::text in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events')
       and not c.relispartition
     order by p.partmethod = 'n', c.oid
  loop
    perform pg_catalog.undistribute_table(v_rec.rel);
  end loop;

  -- what undistribute_table dropped first (in the form it had on Citus), then the single-node forms.
  -- Function bodies are not checked while they come back: a SQL function may call one restored
  -- after it (the order is by oid, and a later change may have re-created the callee).
  perform pg_catalog.set_config('check_function_bodies', 'off', true);
  for v_rec in select statement from pg_temp.citus_restore order by step loop
    execute v_rec.statement;
  end loop;
  perform pg_catalog.set_config('check_function_bodies', 'on', true);

  for v_rec in select statement from internal.citus_distribution_undo where phase = 2 order by step loop
    execute v_rec.statement;
  end loop;

  drop table internal.citus_distribution_undo;
end
$revert$;

commit;
