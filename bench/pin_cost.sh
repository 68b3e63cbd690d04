#!/usr/bin/env bash
# Microbenchmark: what a pinned search_path (`set search_path = pg_catalog, pg_temp`, which
# Supabase's advisor lint 0011 asks of every function) costs per call, per PostgreSQL major.
#
# A function with a SET clause is called through fmgr_security_definer, which opens a GUC nest
# level, sets the value and restores it on exit (AtEOXact_GUC). On PostgreSQL 15 that restore walks
# every GUC; 16 keeps a list of the stacked ones; 17 caches search_path lookups. This measures:
#
#   call      select count(f(i)) from generate_series(1, N) i    (a trivial plpgsql function)
#   query     the same with one query in the body (`perform from t where pk = 1`)
#   trigger   insert into t select i from generate_series(1, N) i  (a trivial BEFORE ROW trigger)
#
# each with the function pinned (`pin`) and the same body without the SET clause (`plain`), and a
# baseline without function or trigger (`none`). Timed inside the server with clock_timestamp();
# the variants alternate within each round (the order flips every round) and the versions take
# turns within a round, so load from elsewhere on the machine spreads over all of them.
#
#   bench/pin_cost.sh OUT_DIR LABEL=BINDIR:PORT [LABEL=BINDIR:PORT ...]
#     e.g. bench/pin_cost.sh /tmp/pins 15=/usr/lib/postgresql/15/bin:54380 17=.matrix/npm/node_modules/pg17/native/bin:54381
#   ROUNDS (default 9), N_CALL (200000), N_TRIG (100000), PIN_DIR (/var/tmp/pins-pg: the clusters)
#
# Writes OUT_DIR/raw.tsv (one line per measurement) and prints the medians per version
# (bench/pin_cost_summary.py). Clusters are created if missing and left running: stop them with
# `pg_ctl -D $PIN_DIR/<label> stop` (as postgres when run as root).
set -euo pipefail
out=$1; shift
ROUNDS=${ROUNDS:-9}; N_CALL=${N_CALL:-200000}; N_TRIG=${N_TRIG:-100000}
PIN_DIR=${PIN_DIR:-/var/tmp/pins-pg}
mkdir -p "$out" "$PIN_DIR"; chmod 755 "$PIN_DIR"
if [ "$(id -u)" -eq 0 ]; then run_pg() { (cd / && runuser -u postgres -- "$@"); }; else run_pg() { "$@"; }; fi

labels=(); declare -A bin port
for spec in "$@"; do
  l=${spec%%=*}; rest=${spec#*=}
  labels+=("$l"); bin[$l]=$(readlink -f "${rest%:*}"); port[$l]=${rest##*:}
done

psql_() { psql -X -q -At -h "$PIN_DIR/$1.run" -p "${port[$1]}" -U postgres -d postgres -v ON_ERROR_STOP=1 "${@:2}"; }

for l in "${labels[@]}"; do
  d="$PIN_DIR/$l"
  if [ ! -d "$d" ]; then
    mkdir -p "$d" "$d.run"; chown postgres "$d" "$d.run" 2>/dev/null || true
    run_pg "${bin[$l]}/initdb" -D "$d" -U postgres --auth-local=trust --auth-host=reject >/dev/null
    # the same settings everywhere; durability off (nothing here is kept)
    run_pg sh -c "printf '%s\n' 'fsync = off' 'synchronous_commit = off' 'full_page_writes = off' \
      'shared_buffers = 128MB' 'max_connections = 20' 'jit = off' >> '$d/postgresql.conf'"
  fi
  run_pg "${bin[$l]}/pg_ctl" -D "$d" status >/dev/null 2>&1 \
    || run_pg "${bin[$l]}/pg_ctl" -D "$d" -l "$d.run/server.log" -o "-p ${port[$l]} -k $d.run" -w -t 60 start >/dev/null
  psql_ "$l" <<'SQL'
drop schema if exists pinbench cascade;
create schema pinbench;
create function pinbench.f_pin(i int) returns int language plpgsql
  set search_path = pg_catalog, pg_temp as $$begin return i; end$$;
create function pinbench.f_plain(i int) returns int language plpgsql
  as $$begin return i; end$$;
create function pinbench.tg_pin() returns trigger language plpgsql
  set search_path = pg_catalog, pg_temp as $$begin return new; end$$;
create function pinbench.tg_plain() returns trigger language plpgsql
  as $$begin return new; end$$;
-- the same with one query in the body (plan cache revalidation sees the search_path change)
create unlogged table pinbench.one (x int primary key);
insert into pinbench.one values (1);
create function pinbench.q_pin(i int) returns int language plpgsql
  set search_path = pg_catalog, pg_temp as $$begin perform from pinbench.one where x = 1; return i; end$$;
create function pinbench.q_plain(i int) returns int language plpgsql
  as $$begin perform from pinbench.one where x = 1; return i; end$$;
create unlogged table pinbench.t_pin (id int);
create unlogged table pinbench.t_plain (id int);
create unlogged table pinbench.t_none (id int);
create trigger _000_t before insert on pinbench.t_pin for each row execute function pinbench.tg_pin();
create trigger _000_t before insert on pinbench.t_plain for each row execute function pinbench.tg_plain();
-- one measurement: microseconds per row/call
create function pinbench.measure(kind text, variant text, n int) returns numeric language plpgsql as $$
declare t0 timestamptz; t1 timestamptz;
begin
  if kind = 'call' then
    t0 := clock_timestamp();
    if variant = 'pin' then perform count(pinbench.f_pin(i)) from generate_series(1, n) i;
    elsif variant = 'plain' then perform count(pinbench.f_plain(i)) from generate_series(1, n) i;
    else perform count(i) from generate_series(1, n) i; end if;
    t1 := clock_timestamp();
  elsif kind = 'query' then
    t0 := clock_timestamp();
    if variant = 'pin' then perform count(pinbench.q_pin(i)) from generate_series(1, n) i;
    elsif variant = 'plain' then perform count(pinbench.q_plain(i)) from generate_series(1, n) i;
    else perform count(i) from generate_series(1, n) i; end if;
    t1 := clock_timestamp();
  else
    execute format('truncate pinbench.t_%s', variant);
    t0 := clock_timestamp();
    execute format('insert into pinbench.t_%s select i from generate_series(1, %s) i', variant, n);
    t1 := clock_timestamp();
  end if;
  return extract(epoch from t1 - t0) * 1e6 / n;
end $$;
SQL
  v=$(psql_ "$l" -c 'show server_version')
  echo "pin_cost: $l is PostgreSQL $v on port ${port[$l]}" >&2
  # warm-up (caches, plan of measure()), not recorded
  for k in call query trigger; do for var in pin plain none; do psql_ "$l" -c "select pinbench.measure('$k', '$var', 20000)" >/dev/null; done; done
done

raw="$out/raw.tsv"
printf 'label\tserver_version\tkind\tvariant\tround\tn\tus_per_call\tload1\n' >"$raw"
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order=(pin plain none); else order=(none plain pin); fi
  for l in "${labels[@]}"; do
    v=$(psql_ "$l" -c 'show server_version' | cut -d' ' -f1)
    for k in call query trigger; do
      if [ "$k" = trigger ]; then n=$N_TRIG; else n=$N_CALL; fi
      for var in "${order[@]}"; do
        us=$(psql_ "$l" -c "select round(pinbench.measure('$k', '$var', $n), 4)")
        printf '%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n' "$l" "$v" "$k" "$var" "$r" "$n" "$us" "$(cut -d' ' -f1 /proc/loadavg)" >>"$raw"
      done
    done
  done
  echo "pin_cost: round $r of $ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
python3 "$(dirname "$0")/pin_cost_summary.py" "$raw" | tee "$out/summary.md"
