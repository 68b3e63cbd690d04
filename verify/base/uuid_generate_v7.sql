-- Verify platform:base/uuid_generate_v7 on pg

begin;

do $$
declare
  v_id uuid := base.uuid_generate_v7();
begin
  if substring(v_id::text from 15 for 1) <> '7' then
    raise exception 'base.uuid_generate_v7() returned % which is not version 7', v_id;
  end if;
  if abs(extract(epoch from base.uuid_v7_timestamp(v_id) - clock_timestamp())) > 5 then
    raise exception 'base.uuid_v7_timestamp() does not decode the time of %', v_id;
  end if;
end
$$;

rollback;
