"""IMAP SEARCH benchmark (issue 6): `UID SEARCH SUBJECT <word>` and `UID SEARCH BODY <word>` on a
10,000-message folder (a mix of plain ASCII, quoted-printable, base64 UTF-8 and ISO-2022-JP
Japanese messages of 2-6 KB, the words in 1 % of them), tegamid against Debian's Dovecot (no
FTS plugin) over a copy of the same Maildir, in one run. Each search runs once after SELECT
("first") and then 3 more times (best of those: "repeat"); both servers must find the same
number of messages. Prints `BENCH imap_search_<key>_<first|repeat> tegami=<ms> dovecot=<ms>
ratio=<tegami/dovecot>`. Environment: BENCH_SEARCH_MSGS to scale down."""
import base64
import os
import shutil
import socket
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from imap_pair import measure_pair  # noqa: E402

MSGS = int(os.environ.get("BENCH_SEARCH_MSGS", "10000"))
PASSWORD = "bench-pw"
WORDS = ["alpha", "budget", "meeting", "report", "schedule", "invoice", "project", "update",
         "review", "customer", "shipping", "release", "network", "server", "holiday"]


def message(i):
    words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(5)]
    subject = " ".join(words[:3]) + (" zebra" if i % 100 == 3 else "")
    line = " ".join(words) + " and some more ordinary text on this line\n"
    text = line * (30 + i % 70) + ("the quokka is here\n" if i % 100 == 5 else "")
    head = (f"From: Sender {i} <s{i}@example.com>\nTo: alice@example.com\n"
            f"Date: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <{i}@bench>\nMIME-Version: 1.0\n")
    kind = i % 4
    if kind == 0:
        return (head + f"Subject: {subject}\nContent-Type: text/plain; charset=us-ascii\n\n" +
                text).encode()
    if kind == 1:
        qp = text.replace("\n", " =\n", 3)
        return (head + f"Subject: {subject}\nContent-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n\n" + qp).encode()
    if kind == 2:
        enc = base64.b64encode(subject.encode()).decode()
        body = base64.encodebytes(("日本語の本文です。" + text).encode("utf-8")).decode()
        return (head + f"Subject: =?UTF-8?B?{enc}?=\nContent-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: base64\n\n" + body).encode()
    jis = ("会議のお知らせ " + subject).encode("iso-2022-jp")
    return (head.encode() + b"Subject: =?ISO-2022-JP?B?" + base64.b64encode(jis) +
            b"?=\nContent-Type: text/plain; charset=ISO-2022-JP\n\n" +
            ("会議室の予約について。" + text).encode("iso-2022-jp"))


def make_maildir(root):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for i in range(MSGS):
        with open(os.path.join(root, "cur", f"{1700000000 + i}.M{i}P1.bench:2,S"), "wb") as f:
            f.write(message(i))


class Client:
    def __init__(self, port, user):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.buf = b""
        self.n = 0
        self.line()
        self.cmd(f'LOGIN {user} "{PASSWORD}"'.encode())
        self.cmd(b"SELECT INBOX")

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(1 << 16)
            if not data:
                raise RuntimeError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, body):
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" " + body + b"\r\n")
        out = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"{body!r}: {line!r}")
                return out
            out.append(line)

    def search(self, program):
        t0 = time.perf_counter()
        out = self.cmd(b"UID SEARCH " + program)
        ms = (time.perf_counter() - t0) * 1000
        hits = [x for x in out if x.startswith(b"* SEARCH")][0].split()[2:]
        return ms, len(hits)


def measure(port, user):
    c = Client(port, user)
    res = {}
    for key, program in (("subject", b"SUBJECT zebra"), ("body", b"BODY quokka")):
        first, hits = c.search(program)
        repeat = min(c.search(program)[0] for _ in range(3))
        res[key] = (first, repeat, hits)
    c.cmd(b"LOGOUT")
    return res


def main():
    work = tempfile.mkdtemp(prefix="bench-search-")
    os.chmod(work, 0o755)
    try:
        t, v = measure_pair(work, PASSWORD, make_maildir, measure)
        for key in ("subject", "body"):
            if t[key][2] != v[key][2]:
                raise SystemExit(f"{key}: tegami found {t[key][2]}, dovecot {v[key][2]}")
            for i, what in ((0, "first"), (1, "repeat")):
                print(f"BENCH imap_search_{key}_{what} tegami={t[key][i]:.0f}ms "
                      f"dovecot={v[key][i]:.0f}ms ratio={t[key][i] / v[key][i]:.2f} "
                      f"messages={MSGS} hits={t[key][2]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
