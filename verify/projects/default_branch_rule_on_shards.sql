-- Verify platform:projects/default_branch_rule_on_shards on pg

begin;

-- The rule reads the repository id by column, and no longer looks at the table's name.
select 1 / (pg_catalog.strpos(p.prosrc, 'tg_table_name') = 0
            and pg_catalog.strpos(p.prosrc, $$coalesce(to_jsonb(v_row) ->> 'repository_id', to_jsonb(v_row) ->> 'id')$$) > 0)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.tg_repository_branches__check_default()'::regprocedure;

rollback;
