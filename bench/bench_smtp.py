"""SMTP benchmark (issue 4): end-to-end messages/s — from the client's first command until the
message's file is in every recipient's Maildir — for 1 and 8 concurrent sessions, 4 KB and
100 KB messages, 1 and 50 recipients, in one run:

  tegami   tegamid on a loopback port (250 after DATA means: already in the Maildir);
  postfix  Debian's Postfix started here with its own config directory (`postfix -c`), its own
           queue_directory/data_directory, delivering to Maildir with its `virtual` agent
           (virtual_mailbox_maps); its 250 means "queued", so the clock stops when the
           `virtual` agent has put the last file into the Maildirs;
  floor    the raw fsync floor of the same disk: per message, write in tmp/ + fsync + rename
           into new/ + fsync new/ (for 50 recipients: one file, hard links into the other 49
           new/ directories, each new/ fsync'ed, from up to 8 threads as tegami does) —
           nothing else, from threads of
           bench/bench_smtp_floor.cpp (a Python version when that is not built).

The clients are one process per session (raw sockets, PIPELINING: the message, its end mark and
the next MAIL, every RCPT and DATA in one write — one round trip per message), so the client is
never the bottleneck. Each cell runs BENCH_SMTP_ROUNDS (3) rounds
in which tegami, Postfix and the floor take turns, each sending for BENCH_SMTP_SECONDS (1)
and then waiting until everything sent is in the Maildirs; a system's rate is its messages over
its seconds summed over the rounds (the shared disk's fsync latency drifts; turns spread the
drift over all three). Peak RSS: tegamid's
VmHWM; Postfix's is the highest sum of VmRSS over its master and all its children, sampled
every 50 ms.

Prints per cell:
  BENCH smtp_<n>s_<size>_<r>rcpt tegami=<msg/s> postfix=<msg/s> floor=<msg/s> \
        vs_postfix=<ratio> vs_floor=<ratio>
and  BENCH smtp_rss tegami_peak_mb=... postfix_peak_mb=...
Targets (issue 4): 8 sessions of 4 KB, 1 recipient: vs_postfix >= 5, vs_floor >= 0.8.
Environment: BENCH_SMTP_SECONDS, BENCH_SMTP_CELLS (e.g. "8:4:1,1:4:1" = sessions:KB:rcpts),
BENCH_SMTP_SYNC=fsync|journal (tegamid's server.delivery_sync; default: journal),
BENCH_SMTP_SPREAD=0 (all three trees next to each other and to /tmp, as before 2026-12-07:
see spread_subdirectories()).
"""
import multiprocessing
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
from tegamid import Tegamid, free_port, write_atomically  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SMTP_SECONDS", "1"))
ROUNDS = int(os.environ.get("BENCH_SMTP_ROUNDS", "3"))
USERS = 50
DOMAIN = "bench.test"
DEFAULT_CELLS = [(s, kb, r) for s in (1, 8) for kb in (4, 100) for r in (1, 50)]


def cells():
    spec = os.environ.get("BENCH_SMTP_CELLS")
    if not spec:
        return DEFAULT_CELLS
    return [tuple(int(x) for x in c.split(":")) for c in spec.split(",")]


def make_message(size):
    head = (b"From: bench@remote.test\r\nTo: u0@bench.test\r\nSubject: benchmark\r\n"
            b"Message-ID: <bench@remote.test>\r\n\r\n")
    line = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    msg = head + line * ((size - len(head)) // len(line) - 1)
    return msg + b"x" * (size - len(msg) - 2) + b"\r\n"  # exactly `size` bytes


# --- the client ------------------------------------------------------------------------------
class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""

    def replies(self, n):
        """n single- or multi-line replies; returns the last line of each."""
        out = []
        while len(out) < n:
            i = self.buf.find(b"\r\n")
            if i < 0:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed after %r" % out)
                self.buf += chunk
                continue
            line, self.buf = self.buf[:i], self.buf[i + 2:]
            if line[3:4] != b"-":
                out.append(line)
        return out


def session(port, rcpts, message, ready, start, stop_at, result):
    """One SMTP session: pipelined transactions until stop_at; puts the count into result."""
    try:
        c = Conn(port)
        c.replies(1)
        c.s.sendall(b"EHLO bench.client\r\n")
        c.replies(1)
        envelope = (b"MAIL FROM:<bench@remote.test> SIZE=%d\r\n" % len(message) +
                    b"".join(b"RCPT TO:<%s>\r\n" % r for r in rcpts) + b"DATA\r\n")
        data = message + b".\r\n"
        ready.wait(timeout=60)
        start.wait()
        sent = 0

        def check_envelope():
            rs = c.replies(len(rcpts) + 2)
            if not all(r.startswith(b"250") for r in rs[:-1]) or not rs[-1].startswith(b"354"):
                raise RuntimeError("refused: %r" % rs)

        # RFC 2920 §3.1: the message content may start a group, so the body, its end mark and
        # the next MAIL/RCPT/DATA go in one write: one round trip per message.
        c.s.sendall(envelope)
        check_envelope()
        while True:
            more = time.time() < stop_at.value
            c.s.sendall(data + (envelope if more else b"QUIT\r\n"))
            r = c.replies(1)[0]
            if not r.startswith(b"250"):
                raise RuntimeError("DATA refused: %r" % r)
            sent += 1
            if not more:
                break
            check_envelope()
        c.replies(1)
        c.s.close()
        result.put(sent)
    except Exception as e:  # reported by the parent
        result.put(e)


def count_files(dirs):
    n = 0
    for d in dirs:
        try:
            with os.scandir(d) as it:
                n += sum(1 for _ in it)
        except FileNotFoundError:
            pass
    return n


def run_clients(port, sessions, kb, nrcpt, new_dirs, drained=None):
    """Returns (messages, seconds from the start until every one is in every Maildir).
    `drained()` says when the server has nothing left to deliver (Postfix: its queue is
    empty); then the files are counted once. Without it the files are counted until all are
    there."""
    message = make_message(kb * 1024)
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Barrier(sessions + 1)
    start = ctx.Event()
    stop_at = ctx.Value("d", 0.0)
    result = ctx.Queue()
    before = count_files(new_dirs)
    procs = []
    for i in range(sessions):
        # Each session sends to its own first recipient so that 1-recipient runs spread over
        # mailboxes the way real traffic does; 50-recipient runs go to all 50.
        rc = [b"u%d@%s" % ((i + k) % USERS, DOMAIN.encode()) for k in range(nrcpt)]
        p = ctx.Process(target=session, args=(port, rc, message, ready, start, stop_at, result))
        p.start()
        procs.append(p)
    ready.wait(timeout=60)  # every session has connected and said EHLO
    t0 = time.time()
    stop_at.value = t0 + SECONDS
    start.set()
    sent = 0
    for _ in procs:
        r = result.get(timeout=SECONDS + 120)
        if isinstance(r, Exception):
            raise r
        sent += r
    for p in procs:
        p.join(timeout=30)
    want = before + sent * nrcpt
    deadline = time.time() + 180
    if drained is not None:
        while not drained() and time.time() < deadline:
            time.sleep(0.01)
    else:
        while count_files(new_dirs) < want and time.time() < deadline:
            time.sleep(0.01)
    t1 = time.time()
    got = count_files(new_dirs)
    if got < want:
        raise RuntimeError(f"only {got - before} of {sent * nrcpt} files arrived")
    return sent, t1 - t0


# --- the floor -------------------------------------------------------------------------------
FLOOR_BIN = os.path.join(os.path.abspath(os.environ.get("TEGAMI_BUILD_DIR", "build")), "bench",
                         "bench_smtp_floor")


def floor_rate(root, sessions, kb, nrcpt):
    """(messages, seconds) of the floor: bench_smtp_floor (C++) when built, else Python."""
    if os.access(FLOOR_BIN, os.X_OK):
        r = subprocess.run([FLOOR_BIN, root, str(sessions), str(kb * 1024), str(nrcpt),
                            str(SECONDS)], capture_output=True, timeout=SECONDS + 120, check=True)
        n, secs = r.stdout.split()
        return int(n), float(secs)
    return floor_rate_python(root, sessions, kb, nrcpt)


def floor_rate_python(root, sessions, kb, nrcpt):
    message = make_message(kb * 1024).replace(b"\r\n", b"\n")
    boxes = []
    for u in range(USERS):
        b = os.path.join(root, f"f{u}")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(b, sub), exist_ok=True)
        boxes.append(b)
    stop = time.time() + SECONDS
    counts = [0] * sessions

    def worker(t):
        n = 0
        dfds = {}
        while time.time() < stop:
            first = (t + n) % USERS
            mine = [boxes[(first + k) % USERS] for k in range(nrcpt)]
            name = f"{int(time.time())}.T{t}N{n}.floor"
            tmp = os.path.join(mine[0], "tmp", name)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, message)
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, os.path.join(mine[0], "new", name))
            for b in mine[1:]:
                os.link(os.path.join(mine[0], "new", name), os.path.join(b, "new", name))
            for b in mine:
                dfd = dfds.get(b)
                if dfd is None:
                    dfd = dfds[b] = os.open(os.path.join(b, "new"), os.O_RDONLY | os.O_DIRECTORY)
                os.fsync(dfd)
            n += 1
        for dfd in dfds.values():
            os.close(dfd)
        counts[t] = n

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(sessions)]
    t0 = time.time()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(counts), time.time() - t0


# --- Postfix ---------------------------------------------------------------------------------
MASTER_CF = """{listen} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
smtp unix - - n - - smtp
relay unix - - n - - smtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""

MAIN_CF = """compatibility_level = 3.6
queue_directory = {dir}/spool
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-bench
maillog_file_prefixes = {dir}
maillog_file = {dir}/maillog
myhostname = postfix.bench.local
mydomain = bench.local
myorigin = $myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = reject_unauth_destination
smtpd_relay_restrictions = reject_unauth_destination
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {dir}/mail
virtual_mailbox_maps = texthash:{dir}/etc/vmailbox
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
message_size_limit = 20971520
smtpd_banner = $myhostname ESMTP
biff = no
"""


class Postfix:
    def __init__(self, root):
        self.dir = os.path.join(root, "postfix")
        self.etc = os.path.join(self.dir, "etc")
        self.port = free_port()
        os.makedirs(self.etc)
        os.makedirs(os.path.join(self.dir, "mail"))
        os.makedirs(os.path.join(self.dir, "spool"))
        os.makedirs(os.path.join(self.dir, "data"))
        os.chmod(root, 0o755)
        os.chmod(self.dir, 0o755)
        nobody = 65534
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, domain=DOMAIN, uid=nobody, gid=nobody))
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))
        with open(os.path.join(self.etc, "vmailbox"), "w") as f:
            for u in range(USERS):
                f.write(f"u{u}@{DOMAIN} {DOMAIN}/u{u}/\n")
        os.chown(os.path.join(self.dir, "mail"), nobody, nobody)
        import pwd
        os.chown(os.path.join(self.dir, "data"), pwd.getpwnam("postfix").pw_uid, -1)
        self.new_dirs = {u: os.path.join(self.dir, "mail", DOMAIN, f"u{u}", "new")
                         for u in range(USERS)}

    def run(self, *args):
        return subprocess.run(["postfix", "-c", self.etc] + list(args), capture_output=True,
                              timeout=60)

    def start(self):
        r = self.run("start")
        if r.returncode != 0:
            raise RuntimeError("postfix start: " + (r.stdout + r.stderr).decode())
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("postfix does not listen")

    def master_pid(self):
        try:
            with open(os.path.join(self.dir, "spool", "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def queue_empty(self):
        """No message left in Postfix's queue: everything it accepted is delivered."""
        spool = os.path.join(self.dir, "spool")
        for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(spool, sub)):
                if files:
                    return False
        return True

    def stop(self):
        self.run("stop")


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root_pid):
    """Sum of VmRSS over root_pid and all its descendants."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss_kb(pid)
        todo.extend(children.get(pid, []))
    return total


class PeakSampler:
    def __init__(self, pid_fn):
        self.pid_fn = pid_fn
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.done.wait(0.05):
            pid = self.pid_fn()
            if pid:
                self.peak = max(self.peak, tree_rss_kb(pid))

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.peak


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def spread_subdirectories(root):
    """Gives tegamid, Postfix and the floor each its own ext4 block group: `chattr +T` makes
    ext4 place the directories made in `root` like top-level ones (Orlov: spread over groups
    with free inodes) instead of next to `root`. Without it every tree lands next to /tmp,
    where the compilers of a busy machine create and delete temporary files all the time, and
    next to each other: on ext4 without a journal each new inode is checked against every inode
    of its group freed in the last 5-10 s (`recently_deleted`), so Postfix's deleted queue files
    and the compilers' temporary files made everyone's file creation slower, tegami's most
    (perf: half of tegamid's CPU in `ext4_create` -> `recently_deleted`). BENCH_SMTP_SPREAD=0
    keeps the old layout."""
    if os.environ.get("BENCH_SMTP_SPREAD", "1") == "0":
        return
    r = subprocess.run(["chattr", "+T", root], capture_output=True)
    if r.returncode != 0:
        print(f"note: chattr +T {root} failed ({r.stderr.decode().strip()}); trees stay "
              "next to each other", file=sys.stderr)


def main():
    if shutil.which("postfix") is None:
        print("postfix not installed", file=sys.stderr)
        return 1
    root = tempfile.mkdtemp(prefix="bench-smtp-")
    spread_subdirectories(root)
    tempfile.tempdir = root  # tegamid's directory too (Tegamid uses tempfile.mkdtemp)
    accounts = "".join(f"  - user: u{u}\n    password: \"{{PLAIN}}x\"\n    quota: 100000\n"
                       for u in range(USERS))
    domain = f"domain: {DOMAIN}\nplan: standard\nmax_accounts: 100\naccounts:\n" + accounts
    d = Tegamid([("smtp", "smtp", "none")], domains={f"{DOMAIN}.yaml": domain})
    sync = os.environ.get("BENCH_SMTP_SYNC")  # tegamid's server.delivery_sync, else its default
    if sync:
        write_atomically(d.config, d.main_text().replace(
            "  worker_loops: 2\n", f"  worker_loops: 2\n  delivery_sync: {sync}\n"))
    pf = Postfix(root)
    results = []
    try:
        d.start()
        pf.start()
        sampler = PeakSampler(pf.master_pid)
        tegami_dirs = [os.path.join(d.dir, "var", "mail", DOMAIN, f"u{u}", "new")
                       for u in range(USERS)]
        floor_root = os.path.join(root, "floor")
        print(f"{'cell':<22}{'tegami/s':>10}{'postfix/s':>11}{'floor/s':>10}"
              f"{'vs postfix':>12}{'vs floor':>10}")
        for sessions, kb, nrcpt in cells():
            name = f"smtp_{sessions}s_{kb}k_{nrcpt}rcpt"
            # The disk is shared (and its fsync latency drifts): the three take turns in
            # ROUNDS short slices and each one's messages and seconds are summed.
            sums = {"tegami": [0, 0.0], "postfix": [0, 0.0], "floor": [0, 0.0]}
            for _ in range(ROUNDS):
                for who, fn in (
                        ("tegami", lambda: run_clients(d.port("smtp"), sessions, kb, nrcpt,
                                                       tegami_dirs)),
                        ("postfix", lambda: run_clients(pf.port, sessions, kb, nrcpt,
                                                        list(pf.new_dirs.values()),
                                                        pf.queue_empty)),
                        ("floor", lambda: floor_rate(floor_root, sessions, kb, nrcpt))):
                    n, secs = fn()
                    sums[who][0] += n
                    sums[who][1] += secs
            shutil.rmtree(floor_root, ignore_errors=True)
            t, p, fl = (sums[w][0] / sums[w][1] for w in ("tegami", "postfix", "floor"))
            print(f"{name:<22}{t:>10.0f}{p:>11.1f}{fl:>10.0f}{t / p:>12.2f}{t / fl:>10.2f}",
                  flush=True)
            results.append(f"BENCH {name} tegami={t:.0f}/s postfix={p:.1f}/s floor={fl:.0f}/s "
                           f"vs_postfix={t / p:.2f} vs_floor={t / fl:.2f}")
        tegami_peak = vm_hwm_kb(d.proc.pid)
        postfix_peak = sampler.stop()
        results.append(f"BENCH smtp_rss tegami_peak_mb={tegami_peak / 1024:.1f} "
                       f"postfix_peak_mb={postfix_peak / 1024:.1f}")
        for line in results:  # before the clean-up (deleting the mail takes a while)
            print(line, flush=True)
    finally:
        pf.stop()
        d.__exit__(None, None, None)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
