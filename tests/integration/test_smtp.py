"""SMTP on port 25 against the real tegamid: local delivery byte-exact (read back from the
Maildir), relay refusal in every classic form, unknown users, the 20 MB limit at the boundary,
smuggling sequences, STARTTLS injection, pipelining, with smtplib, raw sockets and curl."""
import glob
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, tls_context  # noqa: E402

LIMIT = 20971520
DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: alice
    password: "{PLAIN}secret"
    quota: 100
  - user: bob
    password: "{PLAIN}secret"
    quota: 100
aliases:
  - address: team
    to: [alice, bob]
"""


class Client:
    """A raw SMTP client: send bytes, read whole replies (bounded waits)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.s.sendall(data)

    def reply(self, timeout=10.0):
        """One complete (possibly multi-line) reply, or b"" on EOF/timeout."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.buf.split(b"\r\n")
            for i, line in enumerate(lines[:-1]):
                if len(line) >= 4 and line[3:4] == b" ":
                    out = b"\r\n".join(lines[:i + 1]) + b"\r\n"
                    self.buf = self.buf[len(out):]
                    return out
            if time.monotonic() > deadline:
                return b""
            self.s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return b""
            if not chunk:
                return b""
            self.buf += chunk

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.reply()

    def close(self):
        self.s.close()


class SmtpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "starttls")], domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.port = cls.d.port("smtp")
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail", "example.com")

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def setUp(self):
        for user in ("alice", "bob"):
            shutil.rmtree(os.path.join(self.mail_root, user), ignore_errors=True)

    def inbox(self, user):
        out = []
        for path in sorted(glob.glob(os.path.join(self.mail_root, user, "new", "*"))):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def start_transaction(self, c, rcpt=b"bob@example.com"):
        self.assertTrue(c.cmd(b"EHLO client.test").startswith(b"250"))
        self.assertTrue(c.cmd(b"MAIL FROM:<sender@remote.test>").startswith(b"250 2.1.0"))
        self.assertTrue(c.cmd(b"RCPT TO:<" + rcpt + b">").startswith(b"250 2.1.5"))
        self.assertTrue(c.cmd(b"DATA").startswith(b"354"))

    def test_01_delivery_byte_exact_with_smtplib(self):
        body = ("Subject: =?UTF-8?B?5pel5pys6Kqe?=\r\nFrom: sender@remote.test\r\n\r\n"
                "line one\r\n.leading dot\r\n..two dots\r\n\r\nend\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            code, ehlo = s.ehlo("client.test")
            self.assertEqual(code, 250)
            for kw in (b"SIZE 20971520", b"PIPELINING", b"8BITMIME", b"ENHANCEDSTATUSCODES",
                       b"SMTPUTF8", b"DSN", b"STARTTLS"):
                self.assertIn(kw, ehlo)
            self.assertNotIn(b"AUTH", ehlo)
            refused = s.sendmail("sender@remote.test", ["bob@example.com", "alice@example.com"],
                                 body)
            self.assertEqual(refused, {})
        expected = body.replace(b"\r\n", b"\n")
        inodes = set()
        for user in ("alice", "bob"):
            mails = self.inbox(user)
            self.assertEqual(len(mails), 1, user)
            head, _, rest = mails[0].partition(b"\nReceived: from client.test ([127.0.0.1])\n")
            # Two recipients share one file: no Delivered-To, no "for <...>" (docs/smtp.md).
            self.assertEqual(head, b"Return-Path: <sender@remote.test>")
            self.assertNotIn(b"for <", rest.split(b";")[0])
            self.assertTrue(rest.endswith(expected), rest[-200:])
            # no leftovers in tmp/
            self.assertEqual(os.listdir(os.path.join(self.mail_root, user, "tmp")), [])
            path = glob.glob(os.path.join(self.mail_root, user, "new", "*"))[0]
            st = os.stat(path)
            self.assertEqual(st.st_nlink, 2)
            inodes.add(st.st_ino)
        self.assertEqual(len(inodes), 1)  # one copy on disk, hard-linked
        # One recipient: its own Delivered-To and "for <address>".
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            self.assertEqual(s.sendmail("sender@remote.test", ["alice@example.com"], body), {})
        mails = [m for m in self.inbox("alice") if b"Delivered-To" in m]
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails[0].startswith(b"Return-Path: <sender@remote.test>\nDelivered-To: "
                                            b"alice@example.com\nReceived: from "), mails[0][:200])
        self.assertIn(b"\n\tfor <alice@example.com>;", mails[0])

    def test_02_alias_delivers_to_each_member(self):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            s.sendmail("x@remote.test", ["team@example.com"], b"Subject: team\r\n\r\nhi\r\n")
        self.assertEqual(len(self.inbox("alice")), 1)
        self.assertEqual(len(self.inbox("bob")), 1)

    def test_03_relay_forms_are_refused(self):
        c = Client(self.port)
        self.assertTrue(c.cmd(b"EHLO client.test").startswith(b"250"))
        self.assertTrue(c.cmd(b"MAIL FROM:<spammer@remote.test>").startswith(b"250"))
        for rcpt in (b"victim@elsewhere.test", b"victim%elsewhere.test@example.com",
                     b"@example.com:victim@elsewhere.test",
                     b"@example.com,@mx.example.com:victim@elsewhere.test",
                     b"\"victim@elsewhere.test\"@example.com",
                     b"elsewhere.test!victim@example.com", b"bob@example.com.",
                     b"bob@[127.0.0.1]", b"VICTIM@ELSEWHERE.TEST"):
            r = c.cmd(b"RCPT TO:<" + rcpt + b">")
            self.assertTrue(r.startswith(b"554 5.7.1"), (rcpt, r))
        self.assertTrue(c.cmd(b"RCPT TO:<nobody@example.com>").startswith(b"550 5.1.1"))
        self.assertTrue(c.cmd(b"RCPT TO:<BOB@EXAMPLE.COM>").startswith(b"250"))  # case folds
        c.close()

    def test_04_size_limit_at_the_boundary(self):
        c = Client(self.port)
        self.assertTrue(c.cmd(b"EHLO client.test").startswith(b"250"))
        r = c.cmd(b"MAIL FROM:<s@remote.test> SIZE=" + str(LIMIT + 1).encode())
        self.assertTrue(r.startswith(b"552 5.3.4"), r)
        line = b"x" * 998 + b"\r\n"
        exact = b"Subject: big\r\n\r\n"
        exact += line * ((LIMIT - len(exact)) // len(line))
        exact += b"y" * (LIMIT - len(exact) - 2) + b"\r\n"
        self.assertEqual(len(exact), LIMIT)
        for msg, ok in ((exact, True), (exact[:-2] + b"z\r\n", False)):
            self.assertTrue(c.cmd(b"MAIL FROM:<s@remote.test>").startswith(b"250"))
            self.assertTrue(c.cmd(b"RCPT TO:<bob@example.com>").startswith(b"250"))
            self.assertTrue(c.cmd(b"DATA").startswith(b"354"))
            c.send(msg + b".\r\n")
            r = c.reply(timeout=60)
            if ok:
                self.assertTrue(r.startswith(b"250 2.0.0"), r)
            else:
                self.assertTrue(r.startswith(b"552 5.3.4"), r)
        mails = self.inbox("bob")
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails[0].endswith(exact.replace(b"\r\n", b"\n")))
        c.close()

    def test_05_smuggling_sequences_never_split_a_message(self):
        for seq in (b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\r\n.\r"):
            c = Client(self.port)
            self.start_transaction(c)
            c.send(b"Subject: one\r\n\r\nfirst" + seq +
                   b"MAIL FROM:<admin@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n"
                   b"Subject: smuggled\r\n\r\nsecond\r\n.\r\n")
            r = c.reply()
            self.assertTrue(r.startswith(b"550 5.6.11"), (seq, r))
            self.assertEqual(c.reply(timeout=0.5), b"", seq)  # nothing else was answered
            c.close()
        self.assertEqual(self.inbox("alice"), [])
        self.assertEqual(self.inbox("bob"), [])

    def test_06_starttls_discards_injected_plaintext(self):
        c = Client(self.port)
        self.assertTrue(c.cmd(b"EHLO client.test").startswith(b"250"))
        c.send(b"STARTTLS\r\nMAIL FROM:<evil@remote.test>\r\nRCPT TO:<bob@example.com>\r\n")
        self.assertTrue(c.reply().startswith(b"220 2.0.0"))
        tls = tls_context().wrap_socket(c.s, server_hostname="mail.test")
        c.s, c.buf = tls, b""
        # The injected commands were never executed: after TLS there is no transaction and no
        # EHLO, and nothing else is waiting for us.
        self.assertEqual(c.reply(timeout=0.5), b"")
        self.assertTrue(c.cmd(b"RCPT TO:<bob@example.com>").startswith(b"503"))
        ehlo = c.cmd(b"EHLO client.test")
        self.assertNotIn(b"STARTTLS", ehlo)
        self.assertTrue(c.cmd(b"MAIL FROM:<s@remote.test>").startswith(b"250"))
        self.assertTrue(c.cmd(b"RCPT TO:<bob@example.com>").startswith(b"250"))
        self.assertTrue(c.cmd(b"DATA").startswith(b"354"))
        c.send(b"Subject: tls\r\n\r\nhi\r\n.\r\n")
        self.assertTrue(c.reply().startswith(b"250 2.0.0"))
        mails = self.inbox("bob")
        self.assertEqual(len(mails), 1)
        self.assertIn(b"with ESMTPS", mails[0])
        c.close()

    def test_07_pipelining_and_sync_error(self):
        c = Client(self.port)
        c.send(b"EHLO client.test\r\nMAIL FROM:<s@remote.test>\r\nRCPT TO:<bob@example.com>\r\n"
               b"RCPT TO:<nobody@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n")
        replies = [c.reply() for _ in range(6)]
        self.assertEqual([r[:3] for r in replies], [b"250", b"250", b"250", b"550", b"250", b"354"])
        c.send(b"Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n")
        self.assertTrue(c.reply().startswith(b"250 2.0.0"))
        self.assertTrue(c.reply().startswith(b"221"))
        c.close()
        self.assertEqual(len(self.inbox("alice")), 1)
        # Data sent before the 354: 554 and the connection closes, nothing stored.
        c = Client(self.port)
        c.send(b"EHLO c.test\r\nMAIL FROM:<s@r.test>\r\nRCPT TO:<bob@example.com>\r\n"
               b"DATA\r\nSubject: early\r\n\r\nx\r\n.\r\n")
        replies = [c.reply() for _ in range(4)]
        self.assertTrue(replies[3].startswith(b"554 5.5.0"), replies)
        self.assertEqual(c.reply(timeout=2), b"")
        c.close()
        self.assertEqual(len(self.inbox("bob")), 1)  # only the pipelined message above
        self.assertFalse([m for m in self.inbox("bob") if b"early" in m])

    def test_08_bare_lf_command_and_long_line(self):
        c = Client(self.port)
        self.assertTrue(c.cmd(b"EHLO client.test").startswith(b"250"))
        c.send(b"NOOP\nNOOP\r\n")
        self.assertTrue(c.reply().startswith(b"501 5.5.2"))
        self.assertTrue(c.reply().startswith(b"250"))
        self.assertTrue(c.cmd(b"NOOP " + b"a" * 600).startswith(b"500 5.5.2"))
        self.assertTrue(c.cmd(b"NOOP").startswith(b"250"))
        c.close()

    def test_09_curl_sends_mail(self):
        if shutil.which("curl") is None:
            self.skipTest("curl not installed")
        msg = b"Subject: curl\r\nFrom: c@remote.test\r\n\r\nsent by curl\r\n"
        r = subprocess.run(["curl", "-sS", "--max-time", "20", f"smtp://127.0.0.1:{self.port}",
                            "--mail-from", "c@remote.test", "--mail-rcpt", "alice@example.com",
                            "-T", "-"], input=msg, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        mails = self.inbox("alice")
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails[0].endswith(msg.replace(b"\r\n", b"\n")))


if __name__ == "__main__":
    unittest.main()
