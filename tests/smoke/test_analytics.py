"""analytics module: what needs several sessions at once.

Two tool adapters record runs of the same repository at the same moment, each reporting an
issue the other does not. Each run upserts its own issue, then auto-resolves the issues it did
not see: without serialisation the two transactions each hold the issue the other wants to
resolve and one of them dies in a deadlock (40P01). record_analysis_run() locks the repository
row first, so both succeed and the result is the one of running them one after the other.
"""
from __future__ import annotations

import json
import threading

import psycopg
from psycopg.rows import dict_row

from conftest import act_as

TIMEOUT = 20
ROUNDS = 5


def _report(fingerprints: list[str]) -> str:
    return json.dumps({
        "commit_sha": "f" * 40,
        "tools": {"eslint": "9.1.0"},
        "files": [{"path": f"src/f{i}.ts", "lines_code": 100, "complexity": 5} for i in range(30)],
        "issues": [
            {"fingerprint": f, "rule": "r", "severity": "major", "type": "bug", "message": f}
            for f in fingerprints
        ],
    })


def test_concurrent_runs_of_one_repository_do_not_deadlock(test_url, tenant):
    org, member = tenant["organization_id"], tenant["member_id"]
    with psycopg.connect(test_url, autocommit=True, row_factory=dict_row) as conn:
        repo = conn.execute(
            "insert into projects.repositories (organization_id, provider, full_name, clone_url) "
            "values (%s, 'github', 'smoke/analytics', 'https://github.com/smoke/analytics.git') returning id",
            [org],
        ).fetchone()["id"]

    for round_no in range(ROUNDS):
        a, c = f"A{round_no}", f"C{round_no}"
        # Both issues exist and are open before the race.
        with psycopg.connect(test_url, autocommit=True) as conn:
            conn.execute("select analytics.record_analysis_run(%s, %s, %s)", [org, repo, _report([a, c])])

        barrier = threading.Barrier(2, timeout=TIMEOUT)
        results: dict[str, object] = {}

        def record(name: str, fingerprints: list[str]) -> None:
            try:
                with psycopg.connect(test_url) as conn:
                    with conn.transaction():
                        act_as(conn, "authenticated", {"sub": str(member)})
                        conn.execute("set local lock_timeout = '15s'")
                        barrier.wait()
                        run = conn.execute(
                            "select analytics.record_analysis_run(%s, %s, %s)", [org, repo, _report(fingerprints)]
                        ).fetchone()[0]
                results[name] = run
            except Exception as e:  # noqa: BLE001 - the assertion below reports it
                results[name] = e

        threads = [threading.Thread(target=record, args=("sees_a", [a])),
                   threading.Thread(target=record, args=("sees_c", [c]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
            assert not t.is_alive(), "a recording did not finish in time"

        for name, value in results.items():
            assert not isinstance(value, Exception), f"round {round_no}: {name} failed: {value!r}"

        with psycopg.connect(test_url, row_factory=dict_row) as conn:
            rows = {r["fingerprint"]: r for r in conn.execute(
                "select fingerprint, status, resolved_run_id, last_seen_run_id from analytics.issues "
                "where repository_id = %s and fingerprint = any(%s)", [repo, [a, c]]).fetchall()}
        # As if run one after the other: the issue only the later run saw is open, the other
        # one was resolved by that later run.
        open_ = [f for f, r in rows.items() if r["status"] == "open"]
        resolved = [f for f, r in rows.items() if r["status"] == "resolved"]
        assert len(open_) == 1 and len(resolved) == 1, rows
        assert rows[resolved[0]]["resolved_run_id"] == rows[open_[0]]["last_seen_run_id"]
