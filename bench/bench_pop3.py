"""POP3 benchmark (issue 5): RETR throughput of 1,000 x 100 KB messages (MB/s and messages/s,
all RETRs pipelined on one connection, read to the end) and login+STAT+QUIT sessions/s (one
client threads), tegamid against Debian's dovecot-pop3d over a copy of the same Maildir, in one
run. Prints `BENCH pop3_<what> tegami=... dovecot=... ratio=...`. Environment: BENCH_POP3_MSGS,
BENCH_POP3_SESSIONS to scale down."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from dovecot import Dovecot  # noqa: E402
from tegamid import Tegamid  # noqa: E402

MSGS = int(os.environ.get("BENCH_POP3_MSGS", "1000"))
SESSIONS = int(os.environ.get("BENCH_POP3_SESSIONS", "400"))
THREADS = 1  # one mailbox: tegami allows one POP3 session at a time (Dovecot does not lock)
PASSWORD = "bench-pw"


def make_maildir(root):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub))
    line = b"x" * 75 + b"\n"
    body = b"".join(line for _ in range(100 * 1024 // len(line)))
    for i in range(MSGS):
        msg = b"From: bench@example.com\nSubject: bench %d\n\n" % i + body
        with open(os.path.join(root, "cur", f"{1700000000 + i}.M{i}P1.bench:2,"), "wb") as f:
            f.write(msg)


def read_line(sock_file):
    line = sock_file.readline()
    if not line:
        raise RuntimeError("connection closed")
    return line


def login(port, user):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    f = s.makefile("rb")
    read_line(f)
    s.sendall(f"USER {user}\r\nPASS {PASSWORD}\r\n".encode())
    for _ in range(2):
        line = read_line(f)
        if not line.startswith(b"+OK"):
            raise RuntimeError(f"login failed: {line!r}")
    return s, f


def retr_all(port, user):
    s, f = login(port, user)
    s.sendall(b"STAT\r\n")
    count = int(read_line(f).split()[1])
    start = time.monotonic()
    s.sendall(b"".join(b"RETR %d\r\n" % (i + 1) for i in range(count)) + b"QUIT\r\n")
    total = 0
    f.close()
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        total += len(chunk)
    elapsed = time.monotonic() - start
    s.close()
    return count, total, elapsed


def sessions(port, user):
    errors = []

    def worker(n):
        try:
            for _ in range(n):
                s, f = login(port, user)
                s.sendall(b"STAT\r\nQUIT\r\n")
                read_line(f)
                read_line(f)
                f.close()
                s.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    per = SESSIONS // THREADS
    threads = [threading.Thread(target=worker, args=(per,)) for _ in range(THREADS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.monotonic() - start
    if errors:
        raise RuntimeError(f"session errors: {errors[:3]}")
    return per * THREADS / elapsed


def main():
    work = tempfile.mkdtemp(prefix="bench-pop3-")
    os.chmod(work, 0o755)
    try:
        d = Tegamid([("pop3", "pop3", "none", {"allow_plaintext_auth": "true"})],
                    domains={"example.com.yaml":
                             "domain: example.com\nplan: standard\nmax_accounts: 10\n"
                             "accounts:\n  - user: alice\n"
                             f"    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 5000\n"},
                    main_extra="plans:\n  - name: standard\n"
                               "    protocols: [smtp, submission, pop3, imap]\n")
        tegami_maildir = os.path.join(d.dir, "var", "mail", "example.com", "alice")
        make_maildir(tegami_maildir)
        dovecot_maildir = os.path.join(work, "alice")
        shutil.copytree(tegami_maildir, dovecot_maildir)
        results = {}
        with d:
            retr_all(d.port("pop3"), "alice@example.com")  # warm: UIDs, vsizes, page cache
            results["tegami"] = (retr_all(d.port("pop3"), "alice@example.com"),
                                 sessions(d.port("pop3"), "alice@example.com"))
        with Dovecot(maildir_root=dovecot_maildir, user="alice", password=PASSWORD) as dc:
            retr_all(dc.pop3_port, "alice")
            results["dovecot"] = (retr_all(dc.pop3_port, "alice"), sessions(dc.pop3_port, "alice"))
        shutil.rmtree(d.dir, ignore_errors=True)

        def mbps(r):
            return r[0][1] / r[0][2] / 1e6

        def mps(r):
            return r[0][0] / r[0][2]

        t, v = results["tegami"], results["dovecot"]
        print(f"BENCH pop3_retr_mb_per_s tegami={mbps(t):.1f} dovecot={mbps(v):.1f} "
              f"ratio={mbps(t) / mbps(v):.2f} messages={MSGS} size=100KB")
        print(f"BENCH pop3_retr_msgs_per_s tegami={mps(t):.0f} dovecot={mps(v):.0f} "
              f"ratio={mps(t) / mps(v):.2f}")
        print(f"BENCH pop3_sessions_per_s tegami={t[1]:.0f} dovecot={v[1]:.0f} "
              f"ratio={t[1] / v[1]:.2f} (login+STAT+QUIT, {THREADS} clients)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
