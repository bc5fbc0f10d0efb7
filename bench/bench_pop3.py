"""POP3 benchmark (issue 5): tegamid against Debian's dovecot-pop3d over a copy of the same
Maildir, in one run.

- RETR throughput of 1,000 x 100 KB messages (MB/s and messages/s): all RETRs pipelined on one
  connection, read to the end (every answer checked for +OK and its "." end).
- login+STAT+QUIT sessions/s, one session after the other on the same mailbox (tegami allows one
  POP3 session per mailbox at a time), and with BENCH_POP3_CLIENTS parallel clients on as many
  mailboxes of as many (2 KB) messages (default 2: the machine's cores).

The client is the C++ program bench/pop3_client (build target pop3_bench_client), so the figures
measure the servers and not a Python client. Throughput figures are the best of
BENCH_POP3_ROUNDS rounds (default 5), the servers measured alternately so both see the same
machine load; every round's figures are printed too. On a shared machine wall-clock rounds vary
a lot, so the server CPU time per unit of work (user + system of the server's whole process
tree, median round) is printed as well: it hardly depends on other load. Dovecot runs in its high-performance mode (login processes and pop3
processes serve many clients each: `service_count = 0`), its fastest configuration.

Prints `BENCH pop3_<what> tegami=... dovecot=... ratio=...`. Environment: BENCH_POP3_MSGS,
BENCH_POP3_SESSIONS, BENCH_POP3_ROUNDS, BENCH_POP3_CLIENTS to scale down."""
import os
import shutil
import statistics
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
ROUNDS = int(os.environ.get("BENCH_POP3_ROUNDS", "5"))
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


def cpu_seconds(pid):
    """CPU time (user + system) of `pid`, its descendants, and the children it has reaped."""
    total, todo, tick = 0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if p == pid:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(x) for x in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / tick


def retr(port, user, pid):
    cpu = cpu_seconds(pid)
    r = run_client("retr", "127.0.0.1", port, user, PASSWORD)
    cpu = cpu_seconds(pid) - cpu
    secs = float(r["seconds"])
    mb = int(r["bytes"]) / 1e6
    return mb / secs, int(r["messages"]) / secs, cpu * 1000 / mb * 100


def sessions(port, user, count, pid, clients=1):
    cpu = cpu_seconds(pid)
    r = run_client("sessions", "127.0.0.1", port, user, PASSWORD, count, clients)
    cpu = cpu_seconds(pid) - cpu
    n = int(r["count"])
    return n / float(r["seconds"]), cpu * 1000 / n


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
            ports = {"tegami": (t.d.port("pop3"), "alice@example.com", "u%d@example.com",
                                t.d.proc.pid),
                     "dovecot": (dc.pop3_port, "alice", "u%d", dc.proc.pid)}
            for name, (port, user, par, pid) in ports.items():  # warm: indexes, page cache
                retr(port, user, pid)
                sessions(port, user, 20, pid)
                sessions(port, par, 20, pid, CLIENTS)
            # RETR marked every message \\Seen (renamed in cur/); let the directories age so
            # both servers trust their indexes again (tegami: 2 s, maildir/dir_stamp.h).
            time.sleep(3)
            for i in range(ROUNDS):
                for name, (port, user, par, pid) in ports.items():
                    mbps, mps, retr_cpu = retr(port, user, pid)
                    sps, sess_cpu = sessions(port, user, n, pid)
                    psps = sessions(port, par, n, pid, CLIENTS)[0] if CLIENTS > 1 else sps
                    rounds[name].append((mbps, mps, sps, psps, retr_cpu, sess_cpu))
                    print(f"round {i + 1} {name}: retr {mbps:.1f} MB/s {mps:.0f} msg/s "
                          f"({retr_cpu:.0f} CPU ms/100 MB), sessions {sps:.0f}/s "
                          f"({sess_cpu:.2f} CPU ms each), {CLIENTS} clients {psps:.0f}/s",
                          flush=True)

        # Throughput: the best round (the least disturbed by other load on the machine);
        # CPU per unit of work: the median round (it does not depend on the load much).
        best = {k: [max(r[j] for r in v) for j in range(4)] +
                [statistics.median(r[j] for r in v) for j in (4, 5)]
                for k, v in rounds.items()}
        tg, dv = best["tegami"], best["dovecot"]
        print(f"BENCH pop3_retr_mb_per_s tegami={tg[0]:.1f} dovecot={dv[0]:.1f} "
              f"ratio={tg[0] / dv[0]:.2f} messages={MSGS} size=100KB")
        print(f"BENCH pop3_retr_msgs_per_s tegami={tg[1]:.0f} dovecot={dv[1]:.0f} "
              f"ratio={tg[1] / dv[1]:.2f}")
        print(f"BENCH pop3_retr_cpu_ms_per_100mb tegami={tg[4]:.0f} dovecot={dv[4]:.0f} "
              f"ratio={dv[4] / tg[4]:.2f} (server CPU, median round; ratio = dovecot/tegami)")
        print(f"BENCH pop3_sessions_per_s tegami={tg[2]:.0f} dovecot={dv[2]:.0f} "
              f"ratio={tg[2] / dv[2]:.2f} (login+STAT+QUIT, 1 client, {MSGS} messages)")
        print(f"BENCH pop3_session_cpu_ms tegami={tg[5]:.2f} dovecot={dv[5]:.2f} "
              f"ratio={dv[5] / tg[5]:.2f} (server CPU per session, median round)")
        if CLIENTS > 1:
            print(f"BENCH pop3_sessions_parallel_per_s tegami={tg[3]:.0f} dovecot={dv[3]:.0f} "
                  f"ratio={tg[3] / dv[3]:.2f} (login+STAT+QUIT, {CLIENTS} clients)")
    finally:
        shutil.rmtree(t.d.dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
