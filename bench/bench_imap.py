"""IMAP benchmark (issue 6): tegamid against Debian's Dovecot on loopback, in one run, over copies
of the same generated Maildirs.

- select_fetch_cold / select_fetch_warm: SELECT of a 100,000-message INBOX followed by
  `FETCH 1:* (UID FLAGS RFC822.SIZE)`, time from sending SELECT to the tagged OK of the FETCH
  (login excluded). Cold: the server was restarted, its caches deleted (tegami: tegami-index and
  tegami-cache; Dovecot: its dovecot.index* files; both keep dovecot-uidlist, the UIDs made by
  the first SELECT, which are mail state) and the message files and folder directories evicted
  from the page cache (posix_fadvise DONTNEED; a no-op on tmpfs, the default storage, see
  BENCH_IMAP_DIR). Warm: the median of 3 more runs, each on a new session.
- uid_search_subject: `UID SEARCH SUBJECT <word>` on that folder (the word is in 1 % of the
  subjects), first run after SELECT and the best of 2 repeats; both must find the same UIDs.
- mixed: SESSIONS concurrent sessions (each its own account of MIXED_MSGS messages), each
  repeating login, SELECT, FETCH of 20 messages' (UID FLAGS RFC822.SIZE ENVELOPE), FETCH of one
  BODY[], STORE +FLAGS, APPEND (LITERAL+), UID STORE \\Deleted of the appended message,
  EXPUNGE, LOGOUT (9 commands, login counted) for MIXED_SECONDS; commands/s. The client is
  CLIENT_PROCS processes of asyncio sessions. Also the server's CPU time (user + system, for
  Dovecot summed over all its processes incl. the exited per-session ones) per 1,000
  commands: on a machine whose 2 cores are shared with the client and other work, that
  figure says more than commands/s.
- idle_memory: IDLE_SESSIONS sessions over implicit TLS, each logged in (10 per account),
  INBOX selected, in IDLE; server memory after minus before (after a warm-up) per session.
  tegamid: its RSS; Dovecot: the sum over all its processes (master, imap-login in
  high-performance mode, one imap process per session) of RSS and of PSS (RSS counts shared
  library pages once per process; PSS splits them).

Dovecot runs with its defaults except: imap-login in high-performance mode (service_count = 0,
2 processes; what a big site runs), limits raised for the session counts. Environment:
BENCH_IMAP_BIG (100000), BENCH_IMAP_SESSIONS (32), BENCH_IMAP_MIXED_SECONDS (15),
BENCH_IMAP_IDLE (1000), BENCH_IMAP_MIXED_MSGS (300 messages per account), BENCH_IMAP_DIR
(where the Maildirs go; default /dev/shm), BENCH_IMAP_ONLY (tegami|dovecot: one side only,
for profiling).
Prints `BENCH imap_<what> tegami=... dovecot=... ratio=... target=... verdict=...`."""
import asyncio
import multiprocessing
import os
import random
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from tegamid import Tegamid, free_port, make_cert  # noqa: E402

BIG = int(os.environ.get("BENCH_IMAP_BIG", "100000"))
SESSIONS = int(os.environ.get("BENCH_IMAP_SESSIONS", "32"))
MIXED_SECONDS = float(os.environ.get("BENCH_IMAP_MIXED_SECONDS", "15"))
IDLE_SESSIONS = int(os.environ.get("BENCH_IMAP_IDLE", "1000"))
ONLY = os.environ.get("BENCH_IMAP_ONLY", "")
# Where the Maildirs live. Default tmpfs (/dev/shm): on this project's CI machine creating
# 200,000 files on the ext4 disk takes ~10 ms each, far over the run's time budget. On tmpfs
# "cold" still means restarted servers without their index/cache files, but the page cache
# cannot be dropped; set BENCH_IMAP_DIR to a disk directory to measure that too.
STORAGE = os.environ.get("BENCH_IMAP_DIR") or ("/dev/shm" if os.access("/dev/shm", os.W_OK)
                                               else tempfile.gettempdir())
CLIENT_PROCS = 4
MIXED_MSGS = int(os.environ.get("BENCH_IMAP_MIXED_MSGS", "300"))
IDLE_PER_USER = 10
USERS = max(SESSIONS, (IDLE_SESSIONS + IDLE_PER_USER - 1) // IDLE_PER_USER)
PASSWORD = "bench-pw"
DOMAIN = "example.com"
WORDS = ["alpha", "budget", "meeting", "report", "schedule", "invoice", "project", "update",
         "review", "customer", "shipping", "release", "network", "server", "holiday"]
MAIL_UID = 65534
MAIL_GID = 65534


# --- the Maildirs ----------------------------------------------------------------------------
def message(i, size_hint):
    words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(4)]
    subject = " ".join(words[:3]) + (" zebra" if i % 100 == 7 else "") + f" #{i}"
    line = " ".join(words) + " and some more ordinary text on this line\n"
    body = line * (size_hint // len(line) + 1)
    return (f"Return-Path: <s{i % 500}@example.org>\n"
            f"From: Sender {i % 500} <s{i % 500}@example.org>\nTo: user@{DOMAIN}\n"
            f"Subject: {subject}\nDate: Mon, 2 Jan 2023 10:{i % 60:02d}:00 +0000\n"
            f"Message-ID: <{i}.{size_hint}@bench.example.org>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=us-ascii\n\n{body}").encode()


def write_folder(root, count, seed):
    """A Maildir with `count` messages in cur/ (1-6 KB; 30 % \\Seen, 5 % \\Flagged), named as
    a delivery agent names them (,S= file size, ,W= size with CRLF)."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    rnd = random.Random(seed)
    cur = os.path.join(root, "cur")
    for i in range(count):
        data = message(i, rnd.randint(1000, 6000))
        vsize = len(data) + data.count(b"\n")
        flags = ("F" if i % 20 == 0 else "") + ("S" if i % 10 < 3 else "")
        name = (f"{1600000000 + i}.M{i}P{seed}.bench,S={len(data)},"
                f"W={vsize}:2,{flags}")
        path = os.path.join(cur, name)
        with open(path, "wb") as f:
            f.write(data)
        t = 1600000000 + i * 60
        os.utime(path, (t, t))


def evict(root):
    """Drops the page-cache pages of every file under root (posix_fadvise DONTNEED)."""
    for dirpath, _, files in os.walk(root):
        for name in files + ["."]:
            try:
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def fs_type(path):
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if path.startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def drop_server_caches(folder):
    for name in os.listdir(folder):
        if name.startswith("tegami-index") or name.startswith("tegami-cache") or \
           name.startswith("dovecot.index"):
            os.unlink(os.path.join(folder, name))


# --- a fast raw client -----------------------------------------------------------------------
class Conn:
    """A blocking client that keeps what it received in one bytearray (amortised appends) with
    a CRLF sentinel in front, so a response line is found as CRLF + prefix, searching only
    the newly received tail."""

    def __init__(self, port, tls_ctx=None, timeout=300):
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = tls_ctx.wrap_socket(raw) if tls_ctx else raw
        self.buf = bytearray(b"\r\n")
        self.n = 0
        self.line_starting(b"* ")  # greeting

    def line_starting(self, prefix):
        """Reads until a line starts with `prefix`; returns everything received up to the end
        of that line and keeps the rest."""
        marker = b"\r\n" + prefix
        start = 0
        while True:
            k = self.buf.find(marker, start)
            if k >= 0:
                e = self.buf.find(b"\r\n", k + 2)
                if e >= 0:
                    out = bytes(self.buf[:e + 2])
                    del self.buf[:e]
                    return out
            start = max(0, len(self.buf) - len(marker) - 200)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError(f"connection closed waiting for {prefix!r}")
            self.buf += chunk

    def cmd(self, text):
        self.n += 1
        tag = b"c%d" % self.n
        self.sock.sendall(tag + b" " + text + b"\r\n")
        out = self.line_starting(tag + b" ")
        last = out[out.rfind(b"\r\n" + tag + b" ") + 2:]
        if not last.startswith(tag + b" OK"):
            raise RuntimeError(f"{text[:60]!r}: {last[:200]!r}")
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def login(port, user, tls_ctx=None):
    c = Conn(port, tls_ctx)
    c.cmd(f'LOGIN {user} "{PASSWORD}"'.encode())
    return c


def select_fetch(port, user):
    c = login(port, user)
    t0 = time.perf_counter()
    out = c.cmd(b"SELECT INBOX")
    t1 = time.perf_counter()
    out = c.cmd(b"FETCH 1:* (UID FLAGS RFC822.SIZE)")
    t2 = time.perf_counter()
    n = out.count(b" FETCH (")
    c.close()
    if n != BIG:
        raise RuntimeError(f"FETCH answered {n} messages, not {BIG}")
    return t1 - t0, t2 - t0


def uid_search(port, user, program):
    c = login(port, user)
    c.cmd(b"SELECT INBOX")
    times, hits = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        out = c.cmd(b"UID SEARCH " + program)
        times.append(time.perf_counter() - t0)
        line = [x for x in out.split(b"\r\n") if x.startswith(b"* SEARCH")][0]
        hits = sorted(int(x) for x in line.split()[2:])
    c.close()
    return times[0], min(times[1:]), hits


# --- the mixed workload ----------------------------------------------------------------------
APPEND_MSG = message(999999, 3000).replace(b"\n", b"\r\n")


async def mixed_session(port, user, deadline, counts):
    rnd = random.Random(user)
    while time.monotonic() < deadline:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = 0

        async def cmd(text, literal=None):
            nonlocal n
            n += 1
            tag = b"m%d" % n
            if literal is None:
                writer.write(tag + b" " + text + b"\r\n")
            else:
                writer.write(tag + b" " + text + b" {%d+}\r\n" % len(literal) + literal + b"\r\n")
            while True:
                line = await reader.readline()
                if not line:
                    raise RuntimeError(f"{user}: closed during {text!r}")
                if line.endswith(b"}\r\n"):
                    k = line.rfind(b"{")
                    await reader.readexactly(int(line[k + 1:-3].rstrip(b"+")))
                    continue
                if line.startswith(tag + b" "):
                    if line[len(tag) + 1:len(tag) + 3] != b"OK":
                        raise RuntimeError(f"{user}: {text[:40]!r} -> {line!r}")
                    counts[0] += 1
                    return line

        await reader.readline()
        await cmd(f'LOGIN {user} "{PASSWORD}"'.encode())
        await cmd(b"SELECT INBOX")
        first = rnd.randint(1, MIXED_MSGS - 20)
        await cmd(b"FETCH %d:%d (UID FLAGS RFC822.SIZE ENVELOPE)" % (first, first + 19))
        await cmd(b"FETCH %d BODY[]" % rnd.randint(1, MIXED_MSGS))
        await cmd(b"STORE %d +FLAGS (\\Flagged)" % rnd.randint(1, MIXED_MSGS))
        line = await cmd(b"APPEND INBOX (\\Seen)", APPEND_MSG)
        k = line.find(b"APPENDUID ")
        if k < 0:
            raise RuntimeError(f"no APPENDUID: {line!r}")
        uid = int(line[k:].split()[2].rstrip(b"]"))
        await cmd(b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % uid)
        await cmd(b"EXPUNGE")
        await cmd(b"LOGOUT")
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


def mixed_proc(port, users, seconds, q):
    async def run():
        counts = [0]
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(mixed_session(port, u, deadline, counts) for u in users))
        return counts[0]

    try:
        q.put(("ok", asyncio.run(run())))
    except Exception as e:  # noqa: BLE001
        q.put(("error", repr(e)))


def mixed(port, users):
    q = multiprocessing.Queue()
    groups = [users[i::CLIENT_PROCS] for i in range(CLIENT_PROCS)]
    t0 = time.monotonic()
    procs = [multiprocessing.Process(target=mixed_proc, args=(port, g, MIXED_SECONDS, q))
             for g in groups if g]
    for p in procs:
        p.start()
    results = [q.get(timeout=MIXED_SECONDS + 120) for _ in procs]
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join(timeout=30)
    errors = [r[1] for r in results if r[0] != "ok"]
    if errors:
        raise RuntimeError(f"mixed workload: {errors[:3]}")
    commands = sum(r[1] for r in results)
    return commands / elapsed, commands


# --- memory per IDLE session -----------------------------------------------------------------
def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def cpu_seconds(pids):
    """User + system CPU of pids, plus that of their children already reaped (Dovecot's
    per-session imap processes that exited)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_kb(pids):
    """(RSS, PSS) in KB summed over pids."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def idle_open(port, users, count, ctx):
    conns, errors, lock = [], [], threading.Lock()
    todo = list(range(count))

    def worker():
        while True:
            with lock:
                if not todo or errors:
                    return
                i = todo.pop()
            try:
                c = login(port, users[i // IDLE_PER_USER], ctx)
                c.cmd(b"SELECT INBOX")
                c.sock.sendall(b"i1 IDLE\r\n")
                c.line_starting(b"+ ")
                with lock:
                    conns.append(c)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        for c in conns:
            c.close()
        raise RuntimeError(f"IDLE sessions: {len(errors)} failed, first: {errors[0]}")
    return conns


def idle_memory(port, users, pids_fn):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for c in idle_open(port, users, 50, ctx):  # warm-up: first-use allocations, workers
        c.close()
    time.sleep(1.0)
    before = memory_kb(pids_fn())
    conns = idle_open(port, users, IDLE_SESSIONS, ctx)
    time.sleep(2.0)
    after = memory_kb(pids_fn())
    for c in conns:
        c.close()
    return ((after[0] - before[0]) / IDLE_SESSIONS, (after[1] - before[1]) / IDLE_SESSIONS)


# --- the servers -----------------------------------------------------------------------------
def tegami_server(mail_root_parent):
    domain = (f"domain: {DOMAIN}\nplan: standard\nmax_accounts: {USERS + 10}\n"
              f"max_imap_connections: {IDLE_SESSIONS + SESSIONS + 200}\naccounts:\n")
    for u in ["big"] + [f"u{i}" for i in range(USERS)]:
        domain += f"  - user: {u}\n    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 5000\n"
    d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"}),
                 ("imaps", "imap", "implicit")],
                domains={f"{DOMAIN}.yaml": domain},
                main_extra=("plans:\n  - name: standard\n    mailbox_quota: 5000\n"
                            "    protocols: [imap]\n"
                            "limits:\n  max_connections_per_ip: 20000\n"
                            "  max_connections: 20000\n"))
    return d


DOVECOT_CONF = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_privileged_group =
default_internal_user = dovecot
default_login_user = dovenull
default_client_limit = {limit}
default_process_limit = {limit}
default_vsz_limit = 2G
mail_location = maildir:{root}/%n
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%n
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
  }}
  service_count = 0
  process_min_avail = 2
  process_limit = 2
  client_limit = {limit}
  chroot =
}}
service imap {{
  process_limit = {limit}
}}
service anvil {{
  chroot =
}}
"""


class DovecotBench:
    def __init__(self, work, root):
        self.dir = os.path.join(work, "dovecot")
        os.makedirs(os.path.join(self.dir, "home"), exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.root = root
        self.cert, self.key = make_cert(self.dir, "cert", "bench.test")
        self.port, self.tls_port = free_port(), free_port()
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(d=self.dir, cert=self.cert, key=self.key, root=root,
                                        password=PASSWORD, uid=MAIL_UID, gid=MAIL_GID,
                                        port=self.port, tls_port=self.tls_port,
                                        limit=IDLE_SESSIONS + SESSIONS + 500))
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start; see " + os.path.join(self.dir, "dovecot.log"))

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None


def measure(name, start, stop, port, tls_port, pids_fn, big_user, users, big_folder):
    r = {}
    drop_server_caches(big_folder)
    evict(big_folder)
    start()
    r["select_cold"], r["cold"] = select_fetch(port, big_user)
    warm = [select_fetch(port, big_user) for _ in range(3)]
    r["select_warm"] = statistics.median(w[0] for w in warm)
    r["warm"] = statistics.median(w[1] for w in warm)
    r["search_first"], r["search_repeat"], r["search_hits"] = uid_search(
        port, big_user, b"SUBJECT zebra")
    cpu0 = cpu_seconds(pids_fn())
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r["mixed"], commands = mixed(port, users[:SESSIONS])
    r["mixed_cpu_ms_per_1000"] = (cpu_seconds(pids_fn()) - cpu0) * 1000 / commands * 1000
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the client processes' own CPU per 1,000 commands (is the client the limit?)
    r["client_cpu_ms_per_1000"] = ((ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime)
                                   * 1000 / commands * 1000)
    r["idle_rss"], r["idle_pss"] = idle_memory(tls_port, users, pids_fn)
    stop()
    print(f"{name}: " + " ".join(f"{k}={v if isinstance(v, list) else round(v, 4)}"
                                 for k, v in r.items() if k != "search_hits"), flush=True)
    return r


def restartable(d):
    """start() for a Tegamid that is started more than once (its log is appended to)."""
    starts = [0]

    def start():
        starts[0] += 1
        d.start(wait=False)
        d.wait_log("started", timeout=60, count=starts[0])
    return start


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE_SESSIONS * 2 + 1000
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, need), hard), hard))
    tempfile.tempdir = STORAGE  # tegamid's directory (Tegamid uses mkdtemp) too
    work = tempfile.mkdtemp(prefix="bench-imap-")
    os.chmod(work, 0o755)
    d = tegami_server(work)
    start_tegami = restartable(d)
    try:
        t0 = time.monotonic()
        mail = os.path.join(d.dir, "var", "mail", DOMAIN)
        users = [f"u{i}" for i in range(USERS)]
        write_folder(os.path.join(mail, "big"), BIG, 1)
        for i, u in enumerate(users):
            write_folder(os.path.join(mail, u), MIXED_MSGS, 100 + i)
        t1 = time.monotonic()
        # The first SELECT makes the UIDs (dovecot-uidlist) both servers then share.
        if ONLY != "dovecot":
            start_tegami()
            c = login(d.port("imap"), "big@" + DOMAIN)
            c.cmd(b"SELECT INBOX")
            c.close()
            d.stop()
        t2 = time.monotonic()
        dovecot_root = os.path.join(work, "mail")
        subprocess.run(["cp", "-a", mail, dovecot_root], check=True, timeout=600)
        for u in ["big"] + users:
            drop_server_caches(os.path.join(dovecot_root, u))
        subprocess.run(["chown", "-R", f"{MAIL_UID}:{MAIL_GID}", dovecot_root], check=True,
                       timeout=600)
        print(f"setup: {BIG} + {USERS} x {MIXED_MSGS} messages written in {t1 - t0:.0f} s, "
              f"first SELECT {t2 - t1:.0f} s, copied in {time.monotonic() - t2:.0f} s",
              flush=True)

        res = {}
        if ONLY in ("", "tegami"):
            res["tegami"] = measure(
                "tegami", start_tegami, d.stop, d.port("imap"), d.port("imaps"),
                lambda: [d.proc.pid], "big@" + DOMAIN, [u + "@" + DOMAIN for u in users],
                os.path.join(mail, "big"))
        if ONLY in ("", "dovecot"):
            dc = DovecotBench(work, dovecot_root)
            try:
                res["dovecot"] = measure(
                    "dovecot", dc.start, dc.stop, dc.port, dc.tls_port,
                    lambda: tree(dc.proc.pid), "big", users, os.path.join(dovecot_root, "big"))
            finally:
                dc.stop()
        if len(res) < 2:
            return
        t, v = res["tegami"], res["dovecot"]
        if t["search_hits"] != v["search_hits"]:
            raise SystemExit(f"UID SEARCH: tegami found {len(t['search_hits'])} UIDs, "
                             f"dovecot {len(v['search_hits'])}")

        def line(key, what, unit, target, lower_is_better=True, fmt="{:.0f}", scale=1.0):
            a, b = t[what] * scale, v[what] * scale
            ratio = a / b if b else float("inf")
            ok = target is not None and (ratio <= target if lower_is_better else ratio >= target)
            tgt = "" if target is None else \
                f" target={'<=' if lower_is_better else '>='}{target} " \
                f"verdict={'met' if ok else 'MISSED'}"
            print(f"BENCH imap_{key} tegami={fmt.format(a)}{unit} dovecot={fmt.format(b)}{unit} "
                  f"ratio={ratio:.2f}{tgt}")

        line("select_fetch_cold", "cold", "ms", 1.0, scale=1000)
        line("select_fetch_warm", "warm", "ms", 0.5, scale=1000)
        print(f"BENCH imap_select_only tegami_cold={t['select_cold'] * 1000:.0f}ms "
              f"dovecot_cold={v['select_cold'] * 1000:.0f}ms "
              f"tegami_warm={t['select_warm'] * 1000:.0f}ms "
              f"dovecot_warm={v['select_warm'] * 1000:.0f}ms messages={BIG}")
        print(f"BENCH imap_uid_search_subject tegami_first={t['search_first'] * 1000:.0f}ms "
              f"dovecot_first={v['search_first'] * 1000:.0f}ms "
              f"tegami_repeat={t['search_repeat'] * 1000:.0f}ms "
              f"dovecot_repeat={v['search_repeat'] * 1000:.0f}ms "
              f"ratio_first={t['search_first'] / v['search_first']:.2f} "
              f"ratio_repeat={t['search_repeat'] / v['search_repeat']:.2f} "
              f"hits={len(t['search_hits'])}")
        line("mixed_commands_per_s", "mixed", "", 2.0, lower_is_better=False)
        # Server CPU time per 1,000 commands of the mixed workload: what the throughput figure
        # means on a machine whose cores are shared (the client, other load).
        line("mixed_server_cpu_ms_per_1000_commands", "mixed_cpu_ms_per_1000", "ms", None)
        line("idle_session_rss", "idle_rss", "KB", 0.1, fmt="{:.1f}")
        line("idle_session_pss", "idle_pss", "KB", 0.1, fmt="{:.1f}")
        print(f"BENCH imap_setup messages={BIG} sessions={SESSIONS} idle_sessions={IDLE_SESSIONS} "
              f"mixed_seconds={MIXED_SECONDS:.0f} client_procs={CLIENT_PROCS} storage={STORAGE} "
              f"({fs_type(STORAGE)})")
    finally:
        try:
            d.stop()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(d.dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
