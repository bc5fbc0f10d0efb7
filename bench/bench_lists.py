"""Mailing-list fan-out benchmark (issue 9): one post to a list of 1,000 local members, and one
post to a list of 1,000 EXTERNAL members.

tegami: the post goes over SMTP to tegamid (port 25) for a list whose members are 1,000
accounts with existing Maildirs; the 250 is sent only when every member's copy is durable, and
the benchmark then checks that every Maildir has it. Peer, in the same run: Debian's Dovecot
LMTP (dovecot-lmtpd) delivering the same message to the same 1,000 users in one LMTP
transaction (1,000 RCPT TO), Dovecot's own way of fanning one message out.

Figures: `ms` from the start of the SMTP/LMTP transaction to the final reply (all copies
durable; checked in every Maildir afterwards); `file_bytes` the bytes of the message files
under the members' new/ counted once per inode (one file hard-linked = one message);
`write_bytes` what the server process caused to be written (/proc/<pid>/io: message data and
the per-member maildirsize/index bookkeeping, whole pages); `ratio_*` those over the message's
size. Prints `BENCH lists_fanout_1000 ...`.

External members: a list of 1,000 addresses m0000@sink.test ... on Postfix's smtp-sink
(loopback; outbound.smarthost points tegami at it; the sink dumps each transaction with
-d, and its X-Rcpt-Args lines are counted). `ms` runs from the start of the SMTP transaction
that posts to the list until the sink has received every one of the 1,000 recipients. Peer, in
the same run: Debian's Postfix (own config directory, `postfix -c`) expanding the same 1,000
addresses from a virtual alias (virtual_alias_maps, texthash) and relaying to its own
smtp-sink with relayhost — Postfix's defaults otherwise (20 parallel deliveries, 50 recipients
per transaction); tegami's defaults likewise (outbound.connections_per_domain 4, all
recipients of a domain in one transaction). BENCH_LISTS_EXT_ROUNDS (default 3) rounds
alternate tegami and Postfix, each posting one new message. Prints
  BENCH lists_external_1000 tegami_ms=<median> postfix_ms=<median> ratio=<tegami/postfix>
        tegami_range=<min-max> postfix_range=<min-max>
Environment: BENCH_LISTS_MEMBERS to scale down, BENCH_LISTS_MSG_KB for the message size
(default 20), BENCH_LISTS_ONLY=local|external."""
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from tegamid import Tegamid, free_port  # noqa: E402
from smtp_receiver import SmtpSink  # noqa: E402
import dovecot as dc  # noqa: E402

N = int(os.environ.get("BENCH_LISTS_MEMBERS", "1000"))
KB = int(os.environ.get("BENCH_LISTS_MSG_KB", "20"))
EXT_ROUNDS = int(os.environ.get("BENCH_LISTS_EXT_ROUNDS", "3"))
ONLY = os.environ.get("BENCH_LISTS_ONLY", "")


def message(tag):
    line = b"0123456789abcdefghijklmnopqrstuvwxyz" * 2 + b"\r\n"
    body = line * (KB * 1024 // len(line))
    return (b"From: boss@example.com\r\nTo: all@example.com\r\nSubject: %s\r\n"
            b"Message-ID: <%s@bench>\r\n\r\n" % (tag, tag)) + body


def write_bytes(pid):
    total = 0
    for p in [pid] + children(pid):
        try:
            with open(f"/proc/{p}/io") as f:
                for line in f:
                    if line.startswith("write_bytes:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def children(pid):
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for c in f.read().split():
                    out.append(int(c))
                    out += children(int(c))
    except OSError:
        pass
    return out


def unique_bytes(dirs, marker):
    seen, total, found = set(), 0, 0
    for d in dirs:
        for name in os.listdir(d):
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                if marker not in f.read(4096):
                    continue
            found += 1
            st = os.stat(path)
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return found, total


def bench_tegami(work):
    accounts = "".join(f"  - user: u{i:04d}\n" for i in range(N))
    members = "".join(f"      - u{i:04d}\n" for i in range(N))
    domain = (f"domain: example.com\nmax_accounts: {N + 10}\naccounts:\n{accounts}"
              f"lists:\n  - address: all\n    posting: anyone\n    members:\n{members}")
    d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": domain})
    d.start()
    try:
        root = os.path.join(d.dir, "var", "mail", "example.com")
        with smtplib.SMTP("127.0.0.1", d.port("smtp"), timeout=120) as s:
            s.sendmail("boss@example.com", ["all@example.com"], message(b"warmup"))  # makes Maildirs
        time.sleep(1.0)
        os.sync()
        msg = message(b"measured")
        before = write_bytes(d.proc.pid)
        with smtplib.SMTP("127.0.0.1", d.port("smtp"), timeout=120) as s:
            s.ehlo()
            t0 = time.monotonic()
            s.sendmail("boss@example.com", ["all@example.com"], msg)
            ms = (time.monotonic() - t0) * 1000
        written = write_bytes(d.proc.pid) - before
        dirs = [os.path.join(root, f"u{i:04d}", "new") for i in range(N)]
        found, file_bytes = unique_bytes(dirs, b"<measured@bench>")
        return ms, found, file_bytes, written, len(msg)
    finally:
        d.stop()
        shutil.rmtree(d.dir, ignore_errors=True)


def lmtp(port, rcpts, msg):
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line or line[3:4] != b"-":
                    return line

        reply()
        s.sendall(b"LHLO bench\r\n")
        reply()
        t0 = time.monotonic()
        s.sendall(b"MAIL FROM:<boss@example.com>\r\n" +
                  b"".join(b"RCPT TO:<%s>\r\n" % r.encode() for r in rcpts))
        for _ in range(len(rcpts) + 1):
            r = reply()
            if not r.startswith(b"250"):
                raise RuntimeError("LMTP refused: " + r.decode(errors="replace"))
        s.sendall(b"DATA\r\n")
        reply()
        s.sendall(msg + b".\r\n")
        for _ in rcpts:
            r = reply()
            if not r.startswith(b"250"):
                raise RuntimeError("LMTP delivery failed: " + r.decode(errors="replace"))
        ms = (time.monotonic() - t0) * 1000
        s.sendall(b"QUIT\r\n")
        return ms


def bench_dovecot(work):
    if not os.path.exists("/usr/lib/dovecot/lmtp"):
        return None
    root = os.path.join(work, "dmail")
    os.makedirs(root)
    conf_dir = os.path.join(work, "dovecot")
    os.makedirs(conf_dir)
    os.chmod(conf_dir, 0o755)
    port = dc.free_port()
    users = [f"u{i:04d}" for i in range(N)]
    with open(os.path.join(conf_dir, "passwd"), "w") as f:
        for u in users:
            f.write(f"{u}@example.com::{dc.MAIL_UID}:{dc.MAIL_GID}::{root}/{u}::"
                    f"userdb_mail=maildir:{root}/{u}\n")
    for u in users:
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(root, u, sub))
    dc.chown_tree(root, dc.MAIL_UID, dc.MAIL_GID)
    conf = os.path.join(conf_dir, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"""
base_dir = {conf_dir}/run
state_dir = {conf_dir}/state
log_path = {conf_dir}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_privileged_group =
default_internal_user = dovecot
default_login_user = dovenull
mail_fsync = always
lmtp_rcpt_check_quota = no
passdb {{
  driver = passwd-file
  args = {conf_dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = {conf_dir}/passwd
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
""")
    proc = subprocess.Popen([dc.DOVECOT, "-F", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        dc.wait_port(port)
        rcpts = [u + "@example.com" for u in users]
        try:
            lmtp(port, rcpts, message(b"warmup"))
        except RuntimeError as e:
            with open(os.path.join(conf_dir, "dovecot.log")) as f:
                raise RuntimeError(f"{e}\n{f.read()[-2000:]}")
        time.sleep(1.0)
        os.sync()
        msg = message(b"measured")
        before = write_bytes(proc.pid)
        ms = lmtp(port, rcpts, msg)
        written = write_bytes(proc.pid) - before
        dirs = [os.path.join(root, u, "new") for u in users]
        found, file_bytes = unique_bytes(dirs, b"<measured@bench>")
        return ms, found, file_bytes, written, len(msg)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


class DumpSink:
    """smtp-sink dumping every transaction into its own directory (-d), so that the recipients
    it has received can be counted."""

    def __init__(self, work, name):
        self.dir = os.path.join(work, name + "-dump")
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)  # smtp-sink runs as postfix
        self.sink = SmtpSink(free_port(), ["-d", os.path.join(self.dir, "%M%S.")])
        self.port = self.sink.port

    def clear(self):
        for n in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, n))

    def recipients(self, marker):
        """Recipients of the complete transactions that carry `marker` (Message-ID)."""
        total = 0
        for n in os.listdir(self.dir):
            try:
                with open(os.path.join(self.dir, n), "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            if marker in data:
                total += data.count(b"\nX-Rcpt-Args: ")
        return total

    def stop(self):
        self.sink.stop()


def post_and_wait(port, sender, list_addr, msg, sink, marker, expected):
    """ms from the start of the SMTP transaction until `sink` got `expected` recipients."""
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
        s.ehlo()
        t0 = time.monotonic()
        s.sendmail(sender, [list_addr], msg)
    deadline = time.monotonic() + 300
    while True:
        got = sink.recipients(marker)
        if got >= expected:
            return (time.monotonic() - t0) * 1000
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sink got {got} of {expected} recipients")
        time.sleep(0.005)


POSTFIX_EXTRA = """virtual_alias_domains = example.com
virtual_alias_maps = texthash:{dir}/etc/virtual
virtual_alias_expansion_limit = 100000
"""


def bench_external(work):
    import bench_outbound as bo
    members = [f"m{i:04d}@sink.test" for i in range(N)]
    t_sink, p_sink = DumpSink(work, "tegami"), DumpSink(work, "postfix")
    d = pf = None
    try:
        domain = ("domain: example.com\naccounts:\n  - user: boss\n"
                  "lists:\n  - address: ext\n    posting: anyone\n    members:\n" +
                  "".join(f"      - {m}\n" for m in members))
        d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": domain},
                    main_extra=f"outbound:\n  smarthost:\n    host: 127.0.0.1\n"
                               f"    port: {t_sink.port}\n    tls: none\n")
        d.start()
        pf = bo.Postfix(work, p_sink.port)
        with open(os.path.join(pf.etc, "main.cf"), "a") as f:
            f.write(POSTFIX_EXTRA.format(dir=pf.dir))
        with open(os.path.join(pf.etc, "virtual"), "w") as f:
            f.write("ext@example.com " + ", ".join(members) + "\n")
        pf.start()
        times = {"tegami": [], "postfix": []}
        turns = [("tegami", d.port("smtp"), "ext@example.com", t_sink),
                 ("postfix", pf.port, "ext@example.com", p_sink)]
        # A warm-up post each (connection set-up, Maildirs of nothing, Postfix's processes).
        for name, port, addr, sink in turns:
            post_and_wait(port, "boss@example.com", addr, message(b"warmup-" + name.encode()),
                          sink, b"<warmup-" + name.encode() + b"@bench>", N)
        for rnd in range(EXT_ROUNDS):
            for name, port, addr, sink in (turns if rnd % 2 == 0 else turns[::-1]):
                sink.clear()
                tag = b"ext%d-%s" % (rnd, name.encode())
                ms = post_and_wait(port, "boss@example.com", addr, message(tag), sink,
                                   b"<" + tag + b"@bench>", N)
                times[name].append(ms)
                print(f"round {rnd + 1} {name}: {N} external recipients in {ms:.0f} ms",
                      flush=True)
        return times
    finally:
        if pf is not None:
            pf.stop()
        if d is not None:
            d.stop()
            shutil.rmtree(d.dir, ignore_errors=True)
        t_sink.stop()
        p_sink.stop()


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def main():
    if ONLY != "local":
        work = tempfile.mkdtemp(prefix="tegami-bench-lists-ext-")
        os.chmod(work, 0o755)  # Postfix's processes read their config in it
        try:
            times = bench_external(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        tm, pm = median(times["tegami"]), median(times["postfix"])
        print(f"BENCH lists_external_{N} tegami_ms={tm:.0f} postfix_ms={pm:.0f} "
              f"ratio={tm / pm:.2f} tegami_range={min(times['tegami']):.0f}-"
              f"{max(times['tegami']):.0f} postfix_range={min(times['postfix']):.0f}-"
              f"{max(times['postfix']):.0f}", flush=True)
        if ONLY == "external":
            return
    work = tempfile.mkdtemp(prefix="tegami-bench-lists-")
    os.chmod(work, 0o755)  # Dovecot's auth process (user dovecot) reads the passwd file in it
    try:
        t = bench_tegami(work)
        p = bench_dovecot(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ms, found, file_bytes, written, size = t
    line = (f"BENCH lists_fanout_{N} tegami_ms={ms:.0f} tegami_delivered={found}/{N} "
            f"msg_bytes={size} tegami_file_bytes={file_bytes} "
            f"tegami_ratio_file={file_bytes / size:.2f} tegami_write_bytes={written} "
            f"tegami_ratio_write={written / size:.2f}")
    if p is not None:
        pms, pfound, pfile, pwritten, _ = p
        line += (f" dovecot_lmtp_ms={pms:.0f} dovecot_delivered={pfound}/{N} "
                 f"dovecot_file_bytes={pfile} dovecot_write_bytes={pwritten} "
                 f"ratio_ms={ms / pms:.2f}")
    else:
        line += " dovecot_lmtp=not-installed"
    print(line, flush=True)
    if found != N:
        sys.exit(1)


if __name__ == "__main__":
    main()
