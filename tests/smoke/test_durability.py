"""The embedded cluster that `make deploy` starts keeps every commit it acknowledged through a crash.

A throwaway cluster is created by the same script and with the same settings as the embedded
default (scripts/pg-embedded.sh, in a temporary folder, so as root it also takes the /var/tmp
fallback a checkout under /root needs). Four clients insert rows in autocommit and remember every
insert the server acknowledged; the postmaster and all its children are killed with SIGKILL in the
middle of the load; the cluster restarts (crash recovery) and every acknowledged row must be there.
Three rounds. With synchronous_commit = off (the embedded default before this test existed) the
same load lost 4 to 7 acknowledged rows per crash; a killed server cannot lose a commit whose WAL
reached the kernel, which synchronous_commit = on waits for.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import tempfile
import threading
import time

import psycopg
import pytest

from conftest import ROOT

pytestmark = pytest.mark.direct_only

ROUNDS = 3
CLIENTS = 4
LOAD_SECONDS = 1.5


def embedded(folder: str, port: int, *args: str) -> str:
    result = subprocess.run([str(ROOT / "scripts/pg-embedded.sh"), *args],
                            env={**os.environ, "EMBEDDED_DIR": folder, "EMBEDDED_PORT": str(port)},
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"pg-embedded.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture
def throwaway_cluster():
    folder = tempfile.mkdtemp(prefix="platform-crash-")
    port = 55432
    try:
        embedded(folder, port, "start")
        env = dict(item.split("=", 1) for item in shlex.split(embedded(folder, port, "env"))[1:])
        env["url"] = f"postgresql://{env['PGUSER']}@/{env['PGDATABASE']}?host={env['PGHOST']}&port={env['PGPORT']}"
        env["restart"] = lambda: embedded(folder, port, "start")
        yield env
    finally:
        embedded(folder, port, "destroy")


def kill_server(data_dir: str) -> None:
    """SIGKILL the postmaster and every child at once: no shutdown checkpoint, no flush."""
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    for pid in [postmaster, *map(int, children)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for _ in range(100):
        try:
            os.kill(postmaster, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"postmaster {postmaster} survived SIGKILL")


def test_the_embedded_cluster_is_durable_by_default(throwaway_cluster):
    url = throwaway_cluster["url"]
    with psycopg.connect(url, autocommit=True) as conn:
        settings = dict(conn.execute(
            "select name, setting from pg_settings where name in ('fsync', 'full_page_writes', 'synchronous_commit')"
        ).fetchall())
        conn.execute("create table crash_probe (client integer not null, n integer not null, primary key (client, n))")
    assert settings == {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}


def test_a_crash_loses_no_acknowledged_commit(throwaway_cluster):
    url = throwaway_cluster["url"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table crash_probe (client integer not null, n integer not null, primary key (client, n))")

    lost_per_round, acknowledged_per_round = [], []
    for round_no in range(ROUNDS):
        acknowledged: list[tuple[int, int]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(c: int) -> None:
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    n = round_no * 10_000_000
                    while not stop.is_set():
                        n += 1
                        conn.execute("insert into crash_probe (client, n) values (%s, %s)", [c, n])
                        with lock:
                            acknowledged.append((c, n))
            except psycopg.OperationalError:
                pass  # the server went away under us: exactly the point

        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        kill_server(throwaway_cluster["EMBEDDED_DATA"])
        stop.set()
        for t in threads:
            t.join(timeout=30)
        throwaway_cluster["restart"]()

        with psycopg.connect(url) as conn:
            present = set(conn.execute("select client, n from crash_probe").fetchall())
        lost = [row for row in acknowledged if row not in present]
        lost_per_round.append(len(lost))
        acknowledged_per_round.append(len(acknowledged))

    print(f"\ncrash test: {ROUNDS} SIGKILLs under {CLIENTS} clients, acknowledged {acknowledged_per_round}, "
          f"lost {lost_per_round}")
    assert all(a > 100 for a in acknowledged_per_round), "the load did not run: the test proves nothing"
    assert lost_per_round == [0] * ROUNDS
