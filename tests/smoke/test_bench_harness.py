"""The benchmark harness itself, at scale 0.001, so it cannot rot. (Benchmarks are not tests: this
checks that the generators and the runner work and produce a report, not how fast anything is.)"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from conftest import ROOT, url_for

sys.path.insert(0, str(ROOT / "bench"))
from cases import all_cases  # noqa: E402

pytestmark = pytest.mark.direct_only


def report_row(text: str, module: str, name: str) -> list[str]:
    prefix = f"| {module} | {name} |"
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, f"{prefix} appears {len(lines)} times in the report"
    return [cell.strip() for cell in lines[0].strip("|").split("|")]


def test_bench_data_and_run_at_tiny_scale(admin_url, target_url, tmp_path):
    db = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SCALE": "0.001", "BENCH_DB": db}
    try:
        built = subprocess.run(["scripts/bench.sh", "data"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert "bench-data: base:" in built.stdout
        for table in ("repositories", "repository_branches", "projects", "project_status_history",
                      "project_repositories", "project_members"):
            assert f"bench-data: projects: projects.{table} " in built.stdout, table

        # The finished build is recorded: growth would reuse this database for this scale only.
        for scale, verdict in (("0.001", "growth reuses it"), ("0.002", "would be rebuilt for scale 0.002: it holds scale 0.001")):
            checked = subprocess.run(["scripts/bench.sh", "check"], cwd=ROOT, env={**env, "SCALE": scale},
                                     capture_output=True, text=True)
            assert checked.returncode == 0 and verdict in checked.stdout, checked.stdout + checked.stderr

        report = tmp_path / "report.md"
        ran = subprocess.run([str(ROOT / ".venv/bin/python"), "bench/run.py", "--url", url_for(target_url, db),
                              "--scale", "0.001", "--runs", "3", "--seconds", "1", "--out", str(report)],
                             cwd=ROOT, capture_output=True, text=True)
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
        text = report.read_text()
        assert "## Latency" in text and "## Mixed read/write throughput" in text
        assert "- data set: scale 0.001 built" in text

        # Every case of every module ran, as each of its roles, and was judged against its class.
        with psycopg.connect(url_for(target_url, db)) as conn:
            cases = all_cases(conn)
        assert {c.module for c in cases} >= {"base", "projects", "tasks", "analytics", "events", "prompts", "monitoring"}
        for case in cases:
            row = report_row(text, case.module, case.name)
            assert row[2] == case.kind
            rls, service = row[4:7], row[7:10]
            assert ("—" not in rls) == ("authenticated" in case.roles), (case.name, row)
            assert "—" not in service, (case.name, row)
            assert row[13] in ("yes", "target only", "no"), (case.name, row)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{db}" with (force)')
