-- Deploy platform:base/set_updated_at to pg
-- One trigger function for every table's updated_at. Attach it as
--   create trigger _100_set_updated_at before update on <table>
--     for each row execute function base.tg__set_updated_at();

begin;

create function base.tg__set_updated_at()
returns trigger
language plpgsql
volatile
as $$
begin
  -- An UPDATE that changes nothing keeps its timestamp, so no-op writes do not look like edits.
  if new is distinct from old then
    new.updated_at := now();
  end if;
  return new;
end
$$;

comment on function base.tg__set_updated_at() is
  'BEFORE UPDATE trigger: sets updated_at to the transaction time when the row really changed.';

revoke execute on function base.tg__set_updated_at() from public;

commit;
