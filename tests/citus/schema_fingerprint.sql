-- The package's schema as sorted lines, independent of object identifiers and creation order: the
-- Citus lane compares it before citus/distribute and after its revert (undistribute_table re-creates
-- tables, so pg_dump's order and the oids change while the schema must not).
\set ON_ERROR_STOP 1
with s(nspname) as (values ('base'), ('internal'), ('projects'), ('tasks'), ('analytics'), ('prompts'), ('events'), ('monitoring')),
rels as (
  select c.oid, n.nspname, c.relname, c.relkind, c.relacl, c.relrowsecurity, c.relforcerowsecurity
    from pg_class c join pg_namespace n on n.oid = c.relnamespace join s using (nspname)
   where c.relkind in ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f')
)
select line from (
  select format('rel %s.%s kind=%s acl=%s rls=%s/%s comment=%s', nspname, relname, relkind, relacl, relrowsecurity,
                relforcerowsecurity, obj_description(oid, 'pg_class')) as line from rels
  union all
  select format('col %s.%s.%s %s notnull=%s default=%s gen=%s acl=%s comment=%s', r.nspname, r.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attgenerated,
                a.attacl, col_description(r.oid, a.attnum))
    from rels r join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
   where r.relkind in ('r', 'p', 'v', 'm', 'f')
  union all
  -- view bodies without output aliases: a view re-created from its deparsed text names the columns of
  -- a UNION's later branches ("'ok'::text AS text"); the view's own column names are the col lines
  select format('view %s.%s %s', nspname, relname, regexp_replace(pg_get_viewdef(oid), ' AS ("[^"]+"|[a-z_]+)(?=[,)]|$)', '', 'gn'))
    from rels where relkind in ('v', 'm')
  union all
  select format('index %s.%s %s comment=%s', nspname, relname, pg_get_indexdef(oid), obj_description(oid, 'pg_class'))
    from rels where relkind in ('i', 'I')
  union all
  -- CHECK expressions without parentheses: undistribute_table re-parses them, and the parser
  -- flattens nested ANDs (a BETWEEN inside an AND chain) without changing their meaning.
  select format('constraint %s.%s %s %s comment=%s', r.nspname, r.relname, k.conname,
                case when k.contype = 'c' then regexp_replace(pg_get_constraintdef(k.oid), '[()]', '', 'g')
                     else pg_get_constraintdef(k.oid) end,
                obj_description(k.oid, 'pg_constraint'))
    from rels r join pg_constraint k on k.conrelid = r.oid
  union all
  select format('trigger %s.%s %s %s comment=%s', r.nspname, r.relname, t.tgname, pg_get_triggerdef(t.oid),
                obj_description(t.oid, 'pg_trigger'))
    from rels r join pg_trigger t on t.tgrelid = r.oid and not t.tgisinternal
  union all
  select format('policy %s.%s %s %s %s %s using=%s check=%s comment=%s', p.schemaname, p.tablename, p.policyname,
                p.permissive, p.roles, p.cmd, p.qual, p.with_check, obj_description(pol.oid, 'pg_policy'))
    from pg_policies p join s on s.nspname = p.schemaname
    join pg_policy pol on pol.polname = p.policyname and pol.polrelid = format('%I.%I', p.schemaname, p.tablename)::regclass
  union all
  select format('function %s acl=%s comment=%s %s', p.oid::regprocedure, p.proacl, obj_description(p.oid, 'pg_proc'),
                pg_get_functiondef(p.oid))
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join s using (nspname)
   where p.prokind in ('f', 'p')
  union all
  select format('partition %s of %s %s', c.oid::regclass, i.inhparent::regclass, pg_get_expr(c.relpartbound, c.oid))
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join rels r on r.oid = i.inhparent
) as l
order by line;
