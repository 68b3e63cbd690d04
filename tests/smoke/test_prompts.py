"""Concurrency of the prompts module: what pgTAP, inside one transaction, cannot show.

* put_context on one key from many sessions at once: every call succeeds and one row remains
  (INSERT ... ON CONFLICT DO UPDATE).
* versions of one template added from many sessions at once: no error, numbers 1..n without
  gaps or duplicates, exactly one active version (the template row lock).
"""
from __future__ import annotations

import threading
import uuid

import psycopg
import pytest

from conftest import act_as

THREADS = 8
ROUNDS = 15
JOIN_TIMEOUT_S = 60


def run_concurrently(worker, count: int) -> list[BaseException]:
    """Start `count` threads on a barrier so they hit the database together; return their errors."""
    barrier = threading.Barrier(count, timeout=30)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(n: int) -> None:
        try:
            barrier.wait()
            worker(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
        assert not t.is_alive(), "a worker thread did not finish in time"
    return errors


@pytest.fixture
def context_source(test_url, tenant):
    with psycopg.connect(test_url, autocommit=True) as conn:
        (source_id,) = conn.execute(
            "insert into prompts.context_sources (organization_id, name, kind) values (%s, 'smoke source', 'custom') returning id",
            [tenant["organization_id"]],
        ).fetchone()
    return source_id


def test_concurrent_put_context_on_one_key_keeps_one_row(test_url, tenant, context_source):
    key = f"shared-{uuid.uuid4().hex[:8]}"
    written: list[str] = []
    written_lock = threading.Lock()

    def worker(n: int) -> None:
        with psycopg.connect(test_url) as conn:
            conn.execute("set statement_timeout = '20s'")
            conn.commit()
            for round_ in range(ROUNDS):
                content = f"content from session {n}, round {round_}"
                with conn.transaction():
                    act_as(conn, "authenticated", {"sub": str(tenant["member_id"])})
                    row = conn.execute(
                        "select context_key, content from prompts.put_context(%s, %s, %s, interval '1 hour')",
                        [context_source, key, content],
                    ).fetchone()
                assert row == (key, content)
                with written_lock:
                    written.append(content)

    errors = run_concurrently(worker, THREADS)
    assert not errors, [getattr(e, "sqlstate", None) or repr(e) for e in errors]
    assert len(written) == THREADS * ROUNDS

    with psycopg.connect(test_url) as conn:
        rows = conn.execute(
            "select content, content_hash = sha256(convert_to(content, 'UTF8')) from prompts.context_data"
            " where source_id = %s and context_key = %s",
            [context_source, key],
        ).fetchall()
    assert len(rows) == 1, rows
    content, hash_ok = rows[0]
    assert content in written and hash_ok


def test_put_context_by_a_viewer_is_refused(test_url, tenant, context_source):
    with psycopg.connect(test_url) as conn:
        with pytest.raises(psycopg.Error) as info:
            with conn.transaction():
                act_as(conn, "authenticated", {"sub": str(tenant["viewer_id"])})
                conn.execute("select prompts.put_context(%s, 'k', 'v')", [context_source])
    assert info.value.sqlstate == "P0002"


def test_concurrent_versions_are_numbered_without_gaps_and_one_is_active(test_url, tenant):
    model = f"smoke-model-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute(
            "insert into prompts.models (name, provider, context_window, max_output_tokens) values (%s, 'smoke', 100000, 4096)",
            [model],
        )
        (template_id,) = conn.execute(
            "insert into prompts.prompt_templates (organization_id, name) values (%s, 'smoke template') returning id",
            [tenant["organization_id"]],
        ).fetchone()
    try:
        def worker(n: int) -> None:
            with psycopg.connect(test_url) as conn:
                conn.execute("set statement_timeout = '20s'")
                conn.commit()
                for round_ in range(3):
                    with conn.transaction():
                        act_as(conn, "authenticated", {"sub": str(tenant["member_id"])})
                        conn.execute(
                            "insert into prompts.prompt_template_versions"
                            " (organization_id, template_id, template_text, model) values (%s, %s, %s, %s)",
                            [tenant["organization_id"], template_id, f"text {n}.{round_}", model],
                        )

        errors = run_concurrently(worker, THREADS)
        assert not errors, [getattr(e, "sqlstate", None) or repr(e) for e in errors]

        with psycopg.connect(test_url) as conn:
            versions = [v for (v,) in conn.execute(
                "select version from prompts.prompt_template_versions where template_id = %s order by version",
                [template_id]).fetchall()]
            (active,) = conn.execute(
                "select count(*) from prompts.prompt_template_versions where template_id = %s and is_active",
                [template_id]).fetchone()
        assert versions == list(range(1, THREADS * 3 + 1))
        assert active == 1
    finally:
        with psycopg.connect(test_url, autocommit=True) as conn:
            conn.execute("delete from prompts.prompt_templates where id = %s", [template_id])
            conn.execute("delete from prompts.models where name = %s", [model])
