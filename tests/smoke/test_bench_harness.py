"""The benchmark harness itself, at scale 0.001, so it cannot rot. (Benchmarks are not tests: this
checks that the generators and the runner work and produce a report, not how fast anything is.)"""
from __future__ import annotations

import os
import subprocess
import uuid

import psycopg
import pytest

from conftest import ROOT, url_for

pytestmark = pytest.mark.direct_only


def test_bench_data_and_run_at_tiny_scale(admin_url, target_url, tmp_path):
    db = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SCALE": "0.001", "BENCH_DB": db}
    try:
        built = subprocess.run(["scripts/bench.sh", "data"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert "bench-data: base:" in built.stdout
        report = tmp_path / "report.md"
        ran = subprocess.run([str(ROOT / ".venv/bin/python"), "bench/run.py", "--url", url_for(target_url, db),
                              "--scale", "0.001", "--runs", "3", "--seconds", "1", "--out", str(report)],
                             cwd=ROOT, capture_output=True, text=True)
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
        text = report.read_text()
        assert "## Latency" in text and "## Mixed read/write throughput" in text
        assert "| base | members of an organization (simple) |" in text
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{db}" with (force)')
