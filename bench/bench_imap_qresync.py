"""QRESYNC benchmark (issue 7): a client reconnecting to a 100,000-message INBOX after 100 flag
changes, tegamid against Debian's Dovecot over a copy of the same Maildir, in one run.

For each server: a first session does `ENABLE QRESYNC` and `SELECT INBOX` (building the
server's indexes; tegami: tegami-index and tegami-modseq) and a full `FETCH 1:* (FLAGS)`,
and keeps UIDVALIDITY and HIGHESTMODSEQ. Another session then changes the flags of 100
messages spread over the folder (`UID STORE ... +FLAGS (\\Flagged)`). Then, each on a new
session after login:
- qresync_select_first: right after the changes, `ENABLE QRESYNC` + `SELECT INBOX (QRESYNC
  (<uidvalidity> <modseq>))` — time from sending SELECT to its tagged OK and the bytes
  received for it; the answer must carry exactly the 100 changed messages (FETCH ... MODSEQ).
  tegami has to list cur/ again here: another process renamed files in it less than a second
  ago, so its tegami-index cannot prove the listing (docs/formats.md, tegami-index);
- full_flags_fetch (median of 5): `SELECT INBOX` + `FETCH 1:* (FLAGS)` — what a client without
  QRESYNC does; time from SELECT to the FETCH's tagged OK and the bytes received;
- qresync_select (median of 5): the QRESYNC SELECT again, as a phone reconnecting later does.
Prints `BENCH imap_qresync_select ...`, `BENCH imap_full_flags_fetch ...` (tegami vs Dovecot,
ratio = tegami/dovecot; target <= 1 for the QRESYNC SELECT) and `BENCH imap_qresync_saving
...` (full/qresync bytes and time per server). Environment: BENCH_QRESYNC_MSGS (100000),
BENCH_QRESYNC_CHANGED (100), BENCH_IMAP_DIR (where the Maildirs go; default /dev/shm)."""
import os
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
source = os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, ".."))
sys.path.insert(0, os.path.join(source, "tests", "integration", "lib"))
sys.path.insert(0, here)
from imap_pair import measure_pair  # noqa: E402

MSGS = int(os.environ.get("BENCH_QRESYNC_MSGS", "100000"))
CHANGED = int(os.environ.get("BENCH_QRESYNC_CHANGED", "100"))
STORAGE = os.environ.get("BENCH_IMAP_DIR") or ("/dev/shm" if os.access("/dev/shm", os.W_OK)
                                               else tempfile.gettempdir())
PASSWORD = "bench-pw"
RUNS = 5


class Client:
    """A raw IMAP client counting the bytes it receives."""

    def __init__(self, port, user):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.buf = b""
        self.n = 0
        self.received = 0
        self.line()
        self.cmd(f'LOGIN {user} "{PASSWORD}"'.encode())

    def close(self):
        self.sock.close()

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(1 << 16)
            if not data:
                raise RuntimeError("connection closed")
            self.received += len(data)
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, body):
        self.n += 1
        tag = b"q%d" % self.n
        self.sock.sendall(tag + b" " + body + b"\r\n")
        out = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"{body!r}: {line!r}")
                out.append(line)
                return out
            out.append(line)

    def timed(self, *bodies):
        """Runs the commands one after the other: (ms, bytes received, lines)."""
        before = self.received - len(self.buf)
        t0 = time.perf_counter()
        lines = []
        for b in bodies:
            lines += self.cmd(b)
        ms = (time.perf_counter() - t0) * 1000
        return ms, self.received - len(self.buf) - before, lines


def make_maildir(root):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    cur = os.path.join(root, "cur")
    for i in range(MSGS):
        data = (f"From: s{i % 300}@example.org\nTo: alice@example.com\nSubject: note {i}\n"
                f"Date: Mon, 2 Jan 2023 10:{i % 60:02d}:00 +0000\n"
                f"Message-ID: <{i}@qresync.bench>\n\nshort body {i}\n").encode()
        flags = "S" if i % 10 < 6 else ""
        name = f"{1600000000 + i}.M{i}P7.bench,S={len(data)}:2,{flags}"
        with open(os.path.join(cur, name), "wb") as f:
            f.write(data)


def measure(port, user):
    first = Client(port, user)
    first.cmd(b"ENABLE QRESYNC")
    lines = first.cmd(b"SELECT INBOX")
    text = b" ".join(lines).decode()
    uidvalidity = int(re.search(r"UIDVALIDITY (\d+)", text).group(1))
    modseq = int(re.search(r"HIGHESTMODSEQ (\d+)", text).group(1))
    first.cmd(b"FETCH 1:* (FLAGS)")
    first.cmd(b"LOGOUT")
    first.close()
    # 100 flag changes spread over the folder, made by another client.
    other = Client(port, user)
    other.cmd(b"SELECT INBOX")
    step = max(1, MSGS // CHANGED)
    uids = ",".join(str(1 + k * step) for k in range(CHANGED)).encode()
    other.cmd(b"UID STORE " + uids + b" +FLAGS.SILENT (\\Flagged)")
    other.cmd(b"LOGOUT")
    other.close()
    res = {"first": [], "qresync": [], "full": []}

    def qresync(key):
        c = Client(port, user)
        c.cmd(b"ENABLE QRESYNC")
        ms, nbytes, lines = c.timed(b"SELECT INBOX (QRESYNC (%d %d))" % (uidvalidity, modseq))
        fetched = [x for x in lines if b" FETCH " in x and b"MODSEQ" in x]
        if len(fetched) != CHANGED:
            raise RuntimeError(f"QRESYNC SELECT gave {len(fetched)} FETCH lines, not {CHANGED}")
        res[key].append((ms, nbytes))
        c.cmd(b"LOGOUT")
        c.close()

    qresync("first")
    for _ in range(RUNS):
        c = Client(port, user)
        ms, nbytes, lines = c.timed(b"SELECT INBOX", b"FETCH 1:* (FLAGS)")
        if sum(1 for x in lines if b" FETCH " in x) != MSGS:
            raise RuntimeError("FETCH 1:* did not answer every message")
        res["full"].append((ms, nbytes))
        c.cmd(b"LOGOUT")
        c.close()
    for _ in range(RUNS):
        qresync("qresync")
    return {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
            for k, v in res.items()}


def main():
    tempfile.tempdir = STORAGE  # tegamid's directory (Tegamid uses mkdtemp) too
    work = tempfile.mkdtemp(prefix="bench-qresync-")
    os.chmod(work, 0o755)
    try:
        t, v = measure_pair(work, PASSWORD, make_maildir, measure)
        for key, name in (("first", "imap_qresync_select_first"),
                          ("qresync", "imap_qresync_select"),
                          ("full", "imap_full_flags_fetch")):
            print(f"BENCH {name} tegami={t[key][0]:.1f}ms dovecot={v[key][0]:.1f}ms "
                  f"ratio={t[key][0] / v[key][0]:.2f} tegami_bytes={t[key][1]:.0f} "
                  f"dovecot_bytes={v[key][1]:.0f} messages={MSGS} changed={CHANGED}"
                  + (" target=<=1" if key != "full" else ""))
        for who, r in (("tegami", t), ("dovecot", v)):
            print(f"BENCH imap_qresync_saving server={who} "
                  f"time_full_over_qresync={r['full'][0] / r['qresync'][0]:.1f} "
                  f"bytes_full_over_qresync={r['full'][1] / r['qresync'][1]:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
