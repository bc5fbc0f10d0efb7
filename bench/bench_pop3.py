"""POP3 benchmark (issue 5): tegamid against Debian's dovecot-pop3d over a copy of the same
Maildir, in one run.

- RETR throughput of 1,000 x 100 KB messages (MB/s and messages/s): all RETRs pipelined on one
  connection, read to the end (every answer checked for +OK and its "." end).
- login+STAT+QUIT sessions/s, one session after the other on the same mailbox (tegami allows one
  POP3 session per mailbox at a time), and with BENCH_POP3_CLIENTS parallel clients on as many
  mailboxes of as many (2 KB) messages (default 2: the machine's cores).

The client is the C++ program bench/pop3_client (build target pop3_bench_client), so the figures
measure the servers and not a Python client. Each figure is the best of BENCH_POP3_ROUNDS rounds
(default 3), the servers measured alternately so both see the same machine load; every round's
figures are printed too. Dovecot runs in its high-performance mode (login processes and pop3
processes serve many clients each: `service_count = 0`), its fastest configuration.

Prints `BENCH pop3_<what> tegami=... dovecot=... ratio=...`. Environment: BENCH_POP3_MSGS,
BENCH_POP3_SESSIONS, BENCH_POP3_ROUNDS, BENCH_POP3_CLIENTS to scale down."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
source = os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, ".."))
sys.path.insert(0, os.path.join(source, "tests", "integration", "lib"))
from dovecot import Dovecot, chown_tree, MAIL_UID, MAIL_GID  # noqa: E402
from tegamid import BUILD, Tegamid  # noqa: E402

MSGS = int(os.environ.get("BENCH_POP3_MSGS", "1000"))
SESSIONS = int(os.environ.get("BENCH_POP3_SESSIONS", "1000"))
ROUNDS = int(os.environ.get("BENCH_POP3_ROUNDS", "3"))
CLIENTS = int(os.environ.get("BENCH_POP3_CLIENTS", "2"))
PASSWORD = "bench-pw"
CLIENT = os.path.join(BUILD, "bench", "pop3_client", "pop3_bench_client")

DOVECOT_FAST = """
service pop3-login {
  service_count = 0
  process_min_avail = 2
}
service pop3 {
  service_count = 0
  client_limit = 16
  process_min_avail = 2
}
"""


def make_maildir(root, count, size=100 * 1024):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub))
    line = b"x" * 75 + b"\n"
    body = b"".join(line for _ in range(size // len(line)))
    for i in range(count):
        msg = b"From: bench@example.com\nSubject: bench %d\n\n" % i + body
        with open(os.path.join(root, "cur", f"{1700000000 + i}.M{i}P1.bench:2,"), "wb") as f:
            f.write(msg)


def run_client(*args):
    out = subprocess.run([CLIENT, *[str(a) for a in args]], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"pop3_bench_client {args[0]}: {out.stderr.strip()}")
    return dict(kv.split("=") for kv in out.stdout.split()[1:])


def retr(port, user):
    r = run_client("retr", "127.0.0.1", port, user, PASSWORD)
    secs = float(r["seconds"])
    return int(r["bytes"]) / secs / 1e6, int(r["messages"]) / secs


def sessions(port, user, count, clients=1):
    r = run_client("sessions", "127.0.0.1", port, user, PASSWORD, count, clients)
    return int(r["count"]) / float(r["seconds"])


class Tegami:
    def __init__(self, users):
        accounts = "".join(f"  - user: {u}\n    password: \"{{PLAIN}}{PASSWORD}\"\n"
                           "    quota: 5000\n" for u in users)
        self.d = Tegamid([("pop3", "pop3", "none", {"allow_plaintext_auth": "true"})],
                         domains={"example.com.yaml":
                                  "domain: example.com\nplan: standard\nmax_accounts: 100\n"
                                  "accounts:\n" + accounts},
                         main_extra="plans:\n  - name: standard\n"
                                    "    protocols: [smtp, submission, pop3, imap]\n")

    def maildir(self, user):
        return os.path.join(self.d.dir, "var", "mail", "example.com", user)


class DovecotMany(Dovecot):
    """Dovecot with several users (alice, u0, u1, ...) whose Maildirs are under one root."""

    def __init__(self, root, users, extra_conf):
        super().__init__(maildir_root=os.path.join(root, users[0]), user=users[0],
                         password=PASSWORD, extra_conf=extra_conf)
        self.root = root
        self.users = users

    def start(self):
        super().start()
        passwd = os.path.join(self.dir, "passwd")
        with open(passwd, "w") as f:
            for u in self.users:
                f.write(f"{u}:{{PLAIN}}{PASSWORD}:{MAIL_UID}:{MAIL_GID}::{self.dir}::"
                        f"userdb_mail=maildir:{os.path.join(self.root, u)}\n")
        chown_tree(self.root, MAIL_UID, MAIL_GID)


def main():
    if not os.path.exists(CLIENT):
        raise SystemExit(f"{CLIENT} is missing: build the pop3_bench_client target")
    work = tempfile.mkdtemp(prefix="bench-pop3-")
    os.chmod(work, 0o755)
    par_users = [f"u{i}" for i in range(CLIENTS)]
    users = ["alice"] + par_users
    t = Tegami(users)
    try:
        make_maildir(t.maildir("alice"), MSGS)
        for u in par_users:  # as many messages, smaller: the sessions do not read them
            make_maildir(t.maildir(u), MSGS, 2048)
        dovecot_root = os.path.join(work, "mail")
        os.makedirs(dovecot_root)
        for u in users:
            shutil.copytree(t.maildir(u), os.path.join(dovecot_root, u))
        rounds = {"tegami": [], "dovecot": []}
        n = SESSIONS
        with t.d, DovecotMany(dovecot_root, users, DOVECOT_FAST) as dc:
            ports = {"tegami": (t.d.port("pop3"), "alice@example.com", "u%d@example.com"),
                     "dovecot": (dc.pop3_port, "alice", "u%d")}
            for name, (port, user, par) in ports.items():  # warm: indexes, vsizes, page cache
                retr(port, user)
                sessions(port, user, 20)
                sessions(port, par, 20, CLIENTS)
            # RETR marked every message \\Seen (renamed in cur/); let the directories age so
            # both servers trust their indexes again (tegami: 2 s, maildir/dir_stamp.h).
            time.sleep(3)
            for i in range(ROUNDS):
                for name, (port, user, par) in ports.items():
                    mbps, mps = retr(port, user)
                    sps = sessions(port, user, n)
                    psps = sessions(port, par, n, CLIENTS) if CLIENTS > 1 else sps
                    rounds[name].append((mbps, mps, sps, psps))
                    print(f"round {i + 1} {name}: retr {mbps:.1f} MB/s {mps:.0f} msg/s, "
                          f"sessions {sps:.0f}/s, {CLIENTS} clients {psps:.0f}/s", flush=True)

        best = {k: [max(r[j] for r in v) for j in range(4)] for k, v in rounds.items()}
        tg, dv = best["tegami"], best["dovecot"]
        print(f"BENCH pop3_retr_mb_per_s tegami={tg[0]:.1f} dovecot={dv[0]:.1f} "
              f"ratio={tg[0] / dv[0]:.2f} messages={MSGS} size=100KB")
        print(f"BENCH pop3_retr_msgs_per_s tegami={tg[1]:.0f} dovecot={dv[1]:.0f} "
              f"ratio={tg[1] / dv[1]:.2f}")
        print(f"BENCH pop3_sessions_per_s tegami={tg[2]:.0f} dovecot={dv[2]:.0f} "
              f"ratio={tg[2] / dv[2]:.2f} (login+STAT+QUIT, 1 client, {MSGS} messages)")
        if CLIENTS > 1:
            print(f"BENCH pop3_sessions_parallel_per_s tegami={tg[3]:.0f} dovecot={dv[3]:.0f} "
                  f"ratio={tg[3] / dv[3]:.2f} (login+STAT+QUIT, {CLIENTS} clients)")
    finally:
        shutil.rmtree(t.d.dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
