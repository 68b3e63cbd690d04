"""`make deploy` on a fresh machine installs what is missing, and waits for the package manager
when an automatic update (unattended-upgrades, apt-daily) holds its lock, instead of failing.

The test holds dpkg's front-end lock the way apt does (an fcntl lock on
/var/lib/dpkg/lock-frontend) for a few seconds, then asks scripts/deps.sh for a package that is
not installed (GNU hello, 60 kB): the script must say that it waits, wait, and install it once the
lock is released. Root only (it installs and removes a package)."""
from __future__ import annotations

import fcntl
import os
import subprocess
import threading
import time

import pytest

from conftest import ROOT

pytestmark = pytest.mark.direct_only

HOLD_SECONDS = 4
PACKAGE = "hello"


def installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return "install ok installed" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="installs and removes a Debian package: root only")
def test_deps_waits_for_the_package_manager_lock():
    if installed(PACKAGE):
        subprocess.run(["apt-get", "remove", "-y", "-qq", PACKAGE], check=True, capture_output=True)
    held = threading.Event()

    def hold_lock():
        with open("/var/lib/dpkg/lock-frontend", "a") as f:
            fcntl.lockf(f, fcntl.LOCK_EX)
            held.set()
            time.sleep(HOLD_SECONDS)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    try:
        result = subprocess.run([str(ROOT / "scripts/deps.sh"), "packages"],
                                env={**os.environ, "DEPS_EXTRA_PACKAGES": PACKAGE, "DEPS_LOCK_TIMEOUT": "120"},
                                capture_output=True, text=True, timeout=600)
        elapsed = time.monotonic() - started
        holder.join()
        assert result.returncode == 0, result.stdout + result.stderr
        assert "waiting for it" in result.stdout, result.stdout
        assert elapsed >= HOLD_SECONDS - 1, f"finished in {elapsed:.1f}s while the lock was held"
        assert installed(PACKAGE)
    finally:
        holder.join()
        subprocess.run(["apt-get", "remove", "-y", "-qq", PACKAGE], capture_output=True)
