"""COMPRESS=DEFLATE benchmark (issue 7): a client downloads a whole folder
(UID FETCH 1:* (FLAGS BODY.PEEK[])) with and without COMPRESS DEFLATE, from tegamid and from
Debian's Dovecot (imap_zlib plugin) over copies of the same Maildir, in one run. Reports the
bytes on the wire and the wall time of the download. Prints
`BENCH imap_compress_<what> tegami=... dovecot=... ratio=...`. Environment: BENCH_COMPRESS_MSGS
to scale down."""
import base64
import os
import shutil
import socket
import sys
import tempfile
import time
import zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from dovecot import Dovecot  # noqa: E402
from tegamid import Tegamid  # noqa: E402

MSGS = int(os.environ.get("BENCH_COMPRESS_MSGS", "500"))
PASSWORD = "bench-pw"
DOVECOT_ZLIB = """
mail_plugins = $mail_plugins zlib
protocol imap {
  mail_plugins = $mail_plugins imap_zlib
}
"""


def make_messages(cur):
    """Mail as it comes: text bodies (~8 KB) and every fifth with a base64 attachment of
    compressible data (~30 KB)."""
    words = ("meeting report schedule budget project review customer order invoice delivery "
             "会議 資料 確認 お願い します").split()
    for i in range(MSGS):
        lines = []
        for n in range(100):
            lines.append(" ".join(words[(i * 7 + n * 3 + k) % len(words)] for k in range(12)))
        body = "\n".join(lines).encode() + b"\n"
        head = (f"From: sender{i % 20}@example.org\nTo: alice@example.com\n"
                f"Subject: bench {i}\nDate: Mon, 02 Jan 2023 10:00:00 +0000\n"
                f"Message-ID: <b{i}@example.org>\nMIME-Version: 1.0\n").encode()
        if i % 5 == 0:
            att = base64.encodebytes((b"%d,item,%d,ok\n" % (i, i * 3)) * 1500)
            msg = (head + b"Content-Type: multipart/mixed; boundary=BB\n\n--BB\n"
                   b"Content-Type: text/plain; charset=utf-8\n\n" + body +
                   b"--BB\nContent-Type: text/csv\nContent-Transfer-Encoding: base64\n\n" + att +
                   b"--BB--\n")
        else:
            msg = head + b"Content-Type: text/plain; charset=utf-8\n\n" + body
        with open(os.path.join(cur, f"{1700000000 + i}.M{i}P1.bench,S={len(msg)}:2,S"),
                  "wb") as f:
            f.write(msg)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""
        self.inflate = None
        self.deflate = None
        self.wire = 0
        self.line()

    def fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("closed")
        self.wire += len(chunk)
        self.buf += self.inflate.decompress(chunk) if self.inflate else chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def send(self, data):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def until_tagged(self, tag):
        """Reads to the tagged line, skipping literals by length."""
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return line
            if line.endswith(b"}"):
                n = int(line[line.rindex(b"{") + 1:-1])
                while len(self.buf) < n:
                    self.fill()
                self.buf = self.buf[n:]
                # the rest of the response line follows; loop reads it as a line


def download(port, user, compress):
    c = Client(port)
    c.send(b"a LOGIN %s \"%s\"\r\n" % (user.encode(), PASSWORD.encode()))
    assert b"OK" in c.until_tagged(b"a")
    if compress:
        c.send(b"z COMPRESS DEFLATE\r\n")
        assert b"OK" in c.until_tagged(b"z")
        c.inflate = zlib.decompressobj(-15)
        c.deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        c.inflate_rest = c.buf
        c.buf = c.inflate.decompress(c.buf) if c.buf else b""
    c.send(b"s SELECT INBOX\r\n")
    assert b"OK" in c.until_tagged(b"s")
    start_wire = c.wire
    t0 = time.monotonic()
    c.send(b"f UID FETCH 1:* (FLAGS BODY.PEEK[])\r\n")
    st = c.until_tagged(b"f")
    elapsed = time.monotonic() - t0
    assert b"OK" in st, st
    c.send(b"l LOGOUT\r\n")
    c.sock.close()
    return c.wire - start_wire, elapsed


def main():
    tmp = tempfile.mkdtemp(prefix="bench-compress-")
    try:
        os.chmod(tmp, 0o755)
        d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                    domains={"example.com.yaml":
                             "domain: example.com\nplan: standard\nmax_accounts: 10\n"
                             "accounts:\n  - user: alice\n"
                             f"    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 500\n"},
                    main_extra="plans:\n  - name: standard\n    mailbox_quota: 500\n"
                               "    protocols: [imap]\n")
        with d:
            root = os.path.join(d.dir, "var", "mail", "example.com", "alice")
            c = Client(d.port("imap"))  # first login creates the Maildir
            c.send(b"a LOGIN alice@example.com \"%s\"\r\n" % PASSWORD.encode())
            c.until_tagged(b"a")
            c.sock.close()
            make_messages(os.path.join(root, "cur"))
            copy = os.path.join(tmp, "alice")
            shutil.copytree(root, copy, symlinks=True)
            ours = {}
            for compress in (False, True, True):  # the last run is the warm one reported
                ours[compress] = download(d.port("imap"), "alice@example.com", compress)
            ours[False] = download(d.port("imap"), "alice@example.com", False)
        with Dovecot(maildir_root=copy, user="alice", password=PASSWORD,
                     extra_conf=DOVECOT_ZLIB) as dc:
            theirs = {}
            for compress in (False, True, True):
                theirs[compress] = download(dc.imap_port, "alice", compress)
            theirs[False] = download(dc.imap_port, "alice", False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for compress, name in ((False, "plain"), (True, "deflate")):
        tb, tt = ours[compress]
        db, dt = theirs[compress]
        print(f"BENCH imap_compress_{name}_bytes msgs={MSGS} tegami={tb} dovecot={db} "
              f"ratio={tb / db:.3f}")
        print(f"BENCH imap_compress_{name}_ms msgs={MSGS} tegami={tt * 1000:.0f} "
              f"dovecot={dt * 1000:.0f} ratio={tt / dt:.2f}")


if __name__ == "__main__":
    main()
