-- Verify platform:base/default_privileges on pg

begin;

-- The deploying role's global default for functions grants PUBLIC nothing.
select 1 / count(*)
  from pg_catalog.pg_default_acl as d
 where d.defaclrole = current_user::regrole
   and d.defaclnamespace = 0
   and d.defaclobjtype = 'f'
   and not exists (select from aclexplode(d.defaclacl) as a where a.grantee = 0);

rollback;
