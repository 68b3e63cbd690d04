"""Release discipline, proven on a throwaway copy of this repository with a release of its own.

Once a release tag is in sqitch.plan, `sqitch deploy` on an existing database never re-runs a
deployed change, so an edited script of a released change would reach new databases only: the
migrations lane (scripts/lanes.sh migrations) fails on it, accepts `sqitch rework`, and requires
every later change to set a lock_timeout and pass squawk's rules for live tables.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.direct_only

ENV = {**os.environ, "SQITCH_FULLNAME": "Release Test", "SQITCH_EMAIL": "release@example.test",
       "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.test",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.test"}


def run(repo, *args, check=True):
    result = subprocess.run(list(args), cwd=repo, env=ENV, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def commit(repo, message):
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", message)


def lane(repo):
    return run(repo, "scripts/lanes.sh", "migrations", check=False)


@pytest.fixture
def released_repo(tmp_path):
    """A git repository holding this checkout's tracked files, released as @v9.9.9."""
    repo = tmp_path / "repo"
    # The real history (a release's frozen copies are checked against the commit that tagged it),
    # then this working tree on top of it (tracked and new files), then one more release.
    run(tmp_path, "git", "clone", "-q", str(ROOT), str(repo))
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout
    tar = subprocess.run(["tar", "--null", "--ignore-failed-read", "-T", "-", "-cf", "-"], cwd=ROOT, input=files,
                         capture_output=True, check=True)
    subprocess.run(["tar", "-xf", "-"], cwd=repo, input=tar.stdout, check=True)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    (repo / ".git" / "info" / "exclude").write_text("/.venv\n")
    run(repo, "git", "config", "user.name", "Release Test")
    run(repo, "git", "config", "user.email", "release-test@example.test")
    if subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout.strip():
        commit(repo, "this working tree")
    run(repo, "sqitch", "tag", "v9.9.9", "-n", "a release")
    commit(repo, "release v9.9.9")
    return repo


def test_a_fresh_release_passes(released_repo):
    result = lane(released_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changes after v9.9.9: 0" in result.stdout


def test_editing_a_released_script_fails(released_repo):
    path = released_repo / "deploy/base/users.sql"
    path.write_text(path.read_text().replace("commit;", "-- edited in place\ncommit;"))
    commit(released_repo, "edit a released change in place")
    result = lane(released_repo)
    assert result.returncode == 1
    assert "deploy/base/users.sql differs from what @v1.0.0 released" in result.stdout


def test_a_rework_is_accepted_and_its_frozen_copy_checked(released_repo):
    run(released_repo, "sqitch", "rework", "base/users", "-n", "users, reworked")
    path = released_repo / "deploy/base/users.sql"
    path.write_text(path.read_text().replace("begin;", "begin;\nset local lock_timeout = '5s';", 1)
                    .replace("commit;", "comment on column base.users.last_seen_at is 'reworked';\ncommit;"))
    commit(released_repo, "rework base/users")
    result = lane(released_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    frozen = released_repo / "deploy/base/users@v9.9.9.sql"
    frozen.write_text(frozen.read_text() + "-- tampered\n")
    commit(released_repo, "tamper with the frozen copy")
    result = lane(released_repo)
    assert result.returncode == 1
    assert "deploy/base/users@v9.9.9.sql differs" in result.stdout


def test_a_later_change_must_be_lock_safe(released_repo):
    run(released_repo, "sqitch", "add", "tasks/probe_index", "-r", "tasks/tasks", "-n", "an index on a live table")
    deploy = released_repo / "deploy/tasks/probe_index.sql"
    deploy.write_text("begin;\ncreate index tasks_probe_idx on tasks.tasks (created_at);\ncommit;\n")
    commit(released_repo, "an unsafe migration")
    result = lane(released_repo)
    assert result.returncode == 1
    assert "deploy/tasks/probe_index.sql sets no lock_timeout" in result.stdout
    assert "require-concurrent-index-creation" in result.stdout + result.stderr

    # The lock-safe form: a bounded wait, and the index built without blocking writes (outside a
    # transaction, so a session-level SET, which ends with the script's psql session).
    deploy.write_text("set lock_timeout = '5s';\ncreate index concurrently if not exists tasks_probe_idx on tasks.tasks (created_at);\n")
    commit(released_repo, "the same migration, lock-safe")
    result = lane(released_repo)
    assert result.returncode == 0, result.stdout + result.stderr


def add_column_change(repo, extra_sql=""):
    run(repo, "sqitch", "add", "tasks/probe_column", "-r", "tasks/tasks", "-n", "a column on a live table")
    (repo / "deploy/tasks/probe_column.sql").write_text(
        "begin;\nset local lock_timeout = '5s';\nalter table tasks.task_definitions add column probe text;\n"
        f"{extra_sql}\ncommit;\n")
    (repo / "revert/tasks/probe_column.sql").write_text(
        "begin;\nalter table tasks.task_definitions drop column probe;\ncommit;\n")
    (repo / "verify/tasks/probe_column.sql").write_text("select probe from tasks.task_definitions where false;\n")
    commit(repo, "a change after the release")


def upgrade_lane(repo, target_url):
    # The same server the suite runs against (its URL may leave the host to PGHOST/PGPORT).
    env = {**ENV, "DATABASE_URL": target_url}
    return subprocess.run(["scripts/lanes.sh", "upgrade", "platform_upgrade_probe"], cwd=repo, env=env,
                          capture_output=True, text=True)


def test_the_upgrade_lane_upgrades_with_data_and_reverts(released_repo, target_url):
    add_column_change(released_repo)
    result = upgrade_lane(released_repo, target_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("0 tables with losses") == 2, result.stdout   # after the upgrade and the revert
    assert "old work finished through the new API" in result.stdout


def test_the_upgrade_lane_catches_a_lost_row(released_repo, target_url):
    add_column_change(released_repo, "delete from events.event_deliveries where status = 'dead_letter';")
    result = upgrade_lane(released_repo, target_url)
    assert result.returncode == 1
    assert "events.event_deliveries:" in result.stdout and "rows lost or changed" in result.stdout, result.stdout
