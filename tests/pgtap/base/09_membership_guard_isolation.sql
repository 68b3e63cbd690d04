-- The membership triggers reveal nothing of an organization the caller does not belong to
-- (hardening issue, item 8). A BEFORE ROW trigger runs before RLS checks the new row; run as the
-- owner (SECURITY DEFINER) it could read the target organization's memberships and answer
-- differently when they exist. Here an outsider names another organization, and its rows, in
-- INSERT, UPDATE and DELETE statements, and names an organization and rows that do not exist:
-- each statement must get the same outcome either way (ids aside), that outcome must carry no
-- data of the organization, and nothing may change.
begin;
select plan(6);

select organization_id as org, owner_id as owner, admin_id as admin from tests.create_tenant('acme') \gset
select owner_id as outsider from tests.create_tenant('globex') \gset
select id as owner_membership from base.organization_members where organization_id = :'org' and user_id = :'owner' \gset

-- What a statement does, as text: the rows it touched or the error it raised.
create function pg_temp.outcome(p_sql text)
returns text
language plpgsql
volatile
as $$
declare
  v_rows bigint;
begin
  execute p_sql;
  get diagnostics v_rows = row_count;
  return format('ok, %s rows', v_rows);
exception when others then
  return sqlstate || ': ' || sqlerrm;
end
$$;
grant execute on function pg_temp.outcome(text) to authenticated;

-- Each probe names an organization ($1), a member of it ($2) and a membership id ($3).
create temporary table probes (label text, sql text);
insert into probes values
  ('insert the caller as owner',
   $$insert into base.organization_members (organization_id, user_id, role) values ('$1', base.current_user_id(), 'owner')$$),
  ('insert a member of that organization',
   $$insert into base.organization_members (organization_id, user_id, role) values ('$1', '$2', 'admin')$$),
  ('update roles of that organization',
   $$update base.organization_members set role = 'viewer' where organization_id = '$1'$$),
  ('update one membership by id',
   $$update base.organization_members set role = 'owner' where organization_id = '$1' and id = '$3'$$),
  ('delete a member of that organization',
   $$delete from base.organization_members where organization_id = '$1' and user_id = '$2'$$);
grant select on probes to authenticated;

create temporary table before as
select m.* from base.organization_members as m where m.organization_id = :'org';

select tests.authenticate_as(:'outsider');
create temporary table outcomes as
select p.label,
       pg_temp.outcome(replace(replace(replace(p.sql, '$1', :'org'), '$2', :'admin'), '$3', :'owner_membership')) as real,
       pg_temp.outcome(replace(replace(replace(p.sql, '$1', '01936f6e-dead-7000-8000-00000000dead'),
                               '$2', '01936f6e-dead-7000-8000-00000000beef'), '$3', '01936f6e-dead-7000-8000-00000000f00d')) as missing
  from probes as p;
select tests.clear_authentication();

select is(
  (select array_agg(format('%s: %s <> %s', label, real, missing) order by label) from outcomes
    where replace(replace(replace(real, :'org', '<org>'), :'admin', '<user>'), :'owner_membership', '<id>')
       <> replace(replace(replace(missing, '01936f6e-dead-7000-8000-00000000dead', '<org>'),
                          '01936f6e-dead-7000-8000-00000000beef', '<user>'), '01936f6e-dead-7000-8000-00000000f00d', '<id>')),
  null,
  'every probe gets the same answer whether the organization and its rows exist or not');
select is(
  (select array_agg(label || ': ' || real order by label) from outcomes
    where real ~ (select string_agg(x, '|') from (
            select m.user_id::text from before as m union all select m.id::text from before as m
            union all select u.email from base.users as u join before as m on m.user_id = u.id) as t (x))),
  null,
  'no answer carries a member, membership id or address of that organization');
select is((select real from outcomes where label = 'insert the caller as owner'),
  '42501: permission denied for table organization_members',
  'an outsider claiming ownership of another organization is refused by privilege, before any trigger looks');
select is((select real from outcomes where label = 'update roles of that organization'), 'ok, 0 rows',
  'an outsider''s update of another organization''s roles reaches no row');
select is((select real from outcomes where label = 'delete a member of that organization'), 'ok, 0 rows',
  'an outsider''s delete of another organization''s member reaches no row');
select results_eq('select * from base.organization_members where organization_id = ' || quote_literal(:'org') || ' order by id',
  'select * from before order by id', 'the organization''s memberships are untouched');

select * from finish();
rollback;
