-- Verify platform:citus/distribute on pg
-- On a Citus coordinator: raises unless every table of the package with an organization_id is a
-- distributed or reference table and the tenant tables share one colocation group. Elsewhere: the
-- change did nothing, and there is nothing to check.

do $verify$
declare
  v_missing text;
  v_groups integer;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  execute $q$
    select pg_catalog.string_agg(c.oid::regclass::text, ', ')
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events')
       and c.relkind in ('r', 'p') and not c.relispartition
       and exists (select from pg_catalog.pg_attribute as a
                    where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
       and not exists (select from pg_dist_partition as p where p.logicalrelid = c.oid)$q$
    into v_missing;
  if v_missing is not null then
    raise exception 'citus/distribute: tenant tables not distributed: %', v_missing;
  end if;
  execute $q$
    select count(distinct p.colocationid)::integer
      from pg_dist_partition as p
      join pg_catalog.pg_class as c on c.oid = p.logicalrelid
     where p.partmethod = 'h' and not c.relispartition$q$
    into v_groups;
  if v_groups <> 1 then
    raise exception 'citus/distribute: the tenant tables are in % colocation groups, expected 1', v_groups;
  end if;
end
$verify$;
