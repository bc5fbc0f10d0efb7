"""npm's imapflow for the tests that drive it (test_imap_clients, test_imap_condstore): `npm ci`
of the version pinned in tests/integration/imapflow/package-lock.json into
<build>/npm/imapflow, once per build directory and lock file. Tests run in parallel, so the
install happens under an exclusive lock and is marked done only when it has succeeded."""
import fcntl
import hashlib
import os
import shutil
import subprocess

from tegamid import BUILD

SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "imapflow")


def imapflow_dir(timeout=240):
    """The directory whose node_modules holds imapflow. Raises RuntimeError when npm ci fails."""
    dst = os.path.join(BUILD, "npm", "imapflow")
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(SOURCE, "package-lock.json"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(dst, "installed.sha256")
    with open(os.path.join(BUILD, "npm", "install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a parallel test installs meanwhile: wait for it
        if os.path.exists(stamp):
            with open(stamp) as f:
                if f.read() == digest:
                    return dst
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(SOURCE, name), dst)
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=dst,
                           capture_output=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("npm ci failed: " + (r.stdout + r.stderr).decode(errors="replace"))
        with open(stamp, "w") as f:
            f.write(digest)
    return dst
