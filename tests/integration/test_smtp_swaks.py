"""SMTP and Submission driven by swaks (the admin's SMTP swiss-army knife) against the real
tegamid: every classic relay form refused on 25, every SMTP smuggling sequence sent as one
transmission (swaks --no-data-fixup: the bytes exactly as given) never becomes two messages,
PIPELINING, STARTTLS (and plaintext injected after STARTTLS never executed), AUTH PLAIN/LOGIN on
587 with the refusals a mail client sees (530 before AUTH, 538 before TLS, 535 wrong password,
553 foreign sender)."""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, tls_context  # noqa: E402

DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: alice
    password: "{PLAIN}secret"
    quota: 100
    aliases: [sales]
  - user: bob
    password: "{PLAIN}secret"
    quota: 100
"""

SWAKS = shutil.which("swaks")


def swaks(port, *args, data=None, timeout=30):
    """Runs swaks against 127.0.0.1:port; returns (exit code, transcript)."""
    cmd = [SWAKS, "--server", f"127.0.0.1:{port}", "--helo", "client.test",
           "--timeout", "20"] + list(args)
    tmp = None
    if data is not None:
        tmp = tempfile.NamedTemporaryFile(delete=False, suffix=".eml")
        tmp.write(data)
        tmp.close()
        cmd += ["--no-data-fixup", "--data", "@" + tmp.name]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    finally:
        if tmp:
            os.unlink(tmp.name)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def server_lines(transcript):
    """The lines swaks received from the server ("<-  250 ..." / "<** 554 ...")."""
    out = []
    for line in transcript.splitlines():
        if line.startswith("<-  ") or line.startswith("<** ") or line.startswith("<~  ") or \
                line.startswith("<~* "):
            out.append(line[4:])
    return out


def reply_to(transcript, command):
    """The server's (last line of its) reply to the first client line starting with
    `command`, e.g. reply_to(out, "RCPT TO")."""
    lines = transcript.splitlines()
    for i, line in enumerate(lines):
        if (line.startswith(" -> ") or line.startswith(" ~> ")) and line[4:].startswith(command):
            for reply in lines[i + 1:]:
                if reply[:4] in ("<-  ", "<** ", "<~  ", "<~* ") and reply[7:8] != "-":
                    return reply[4:]
            break
    return ""


@unittest.skipIf(SWAKS is None, "swaks not installed")
class SwaksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "starttls"), ("submission", "submission", "starttls")],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
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

    def queue_entries(self):
        try:
            return os.listdir(os.path.join(self.d.dir, "var", "queue", "env"))
        except FileNotFoundError:
            return []

    def test_1_every_relay_form_is_refused_on_25(self):
        port = self.d.port("smtp")
        forms = {
            "plain other domain": "victim@elsewhere.test",
            "percent hack": "victim%elsewhere.test@example.com",
            "source route": "@example.com:victim@elsewhere.test",
            # (a two-hop route has a comma, which swaks splits: see test_smtp.py test_03)
            "quoted local part with @": "\"victim@elsewhere.test\"@example.com",
            "bang path": "elsewhere.test!victim@example.com",
            "trailing dot": "bob@example.com.",
            "address literal": "bob@[127.0.0.1]",
            "upper case other domain": "VICTIM@ELSEWHERE.TEST",
            "percent hack, upper case": "VICTIM%ELSEWHERE.TEST@EXAMPLE.COM",
        }
        for name, rcpt in forms.items():
            code, out = swaks(port, "--from", "spammer@remote.test", "--to", rcpt,
                              "--quit-after", "RCPT")
            rcpt_reply = reply_to(out, "RCPT TO")
            self.assertTrue(rcpt_reply.startswith("554 5.7.1") or
                            rcpt_reply.startswith("550 5.1.1"), (name, rcpt, out))
            self.assertNotEqual(code, 0, (name, out))
        # Unknown local user: 550 5.1.1 at RCPT.
        code, out = swaks(port, "--from", "s@remote.test", "--to", "nobody@example.com",
                          "--quit-after", "RCPT")
        self.assertTrue(reply_to(out, "RCPT TO").startswith("550 5.1.1"), out)
        # Case folds for our own addresses: a complete delivery.
        code, out = swaks(port, "--from", "s@remote.test", "--to", "BOB@Example.COM")
        self.assertEqual(code, 0, out)
        self.assertEqual(len(self.inbox("bob")), 1)
        self.assertEqual(self.queue_entries(), [])  # nothing was queued for anyone else

    def test_2_no_smuggling_sequence_splits_a_transmission(self):
        port = self.d.port("smtp")
        seqs = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r\n.\r", b"\r.\r\n", b"\r\n.\r\r\n",
                b"\n..\n", b"\r\n\x00.\r\n"]
        for seq in seqs:
            # swaks sends the file as it is and ends it with CRLF: the only real end mark is
            # the final "\r\n.\r\n".
            data = (b"From: a@remote.test\r\nSubject: one\r\n\r\nfirst" + seq +
                    b"MAIL FROM:<admin@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n"
                    b"Subject: smuggled\r\n\r\nsecond\r\n.")
            code, out = swaks(port, "--from", "s@remote.test", "--to", "bob@example.com",
                              "--pipeline", data=data)
            replies = server_lines(out)
            # One transmission, one answer after DATA: never a second 354 / 250 for the
            # smuggled transaction.
            after_data = replies[replies.index(next(r for r in replies if r.startswith("354"))):]
            self.assertEqual([r[:3] for r in after_data[1:]][:1], ["550"] if b"\x00" not in seq
                             else ["250"], (seq, out))
            self.assertFalse(any(r.startswith("354") for r in after_data[1:]), (seq, out))
            if b"\x00" in seq:
                # No bare CR or LF: "\r\n\x00.\r\n" is no end mark, so all of it is one
                # message whose body carries the would-be commands as text.
                mails = self.inbox("bob")
                self.assertEqual(len(mails), 1)
                self.assertIn(b"\nSubject: smuggled\n\nsecond\n", mails[0])
            else:
                self.assertTrue(after_data[1].startswith("550 5.6.11"), (seq, out))
                self.assertEqual(self.inbox("bob"), [], seq)
            self.assertEqual(self.inbox("alice"), [], seq)
            shutil.rmtree(os.path.join(self.mail_root, "bob"), ignore_errors=True)

    def test_3_pipelining(self):
        port = self.d.port("smtp")
        code, out = swaks(port, "--pipeline", "--from", "s@remote.test",
                          "--to", "alice@example.com,nobody@example.com,bob@example.com",
                          "--header", "Subject: pipelined")
        # swaks says it pipelined (the server advertised PIPELINING) and every reply came in
        # order: the unknown recipient refused, the others delivered.
        self.assertIn("PIPELINING", out)
        replies = server_lines(out)
        self.assertTrue(any(r.startswith("550 5.1.1") for r in replies), out)
        self.assertTrue(any(r.startswith("354") for r in replies), out)
        self.assertTrue(any(r.startswith("250 2.0.0 Ok: delivered") for r in replies), out)
        self.assertEqual(len(self.inbox("alice")), 1)
        self.assertEqual(len(self.inbox("bob")), 1)
        self.assertIn(b"Subject: pipelined", self.inbox("alice")[0])

    def test_4_starttls_and_injection(self):
        port = self.d.port("smtp")
        code, out = swaks(port, "-tls", "--from", "s@remote.test", "--to", "bob@example.com",
                          "--header", "Subject: over tls")
        self.assertEqual(code, 0, out)
        self.assertIn("220 2.0.0", out)
        mails = self.inbox("bob")
        self.assertEqual(len(mails), 1)
        self.assertIn(b"with ESMTPS", mails[0])
        # Plaintext sent right behind STARTTLS (the CVE-2011-0411 injection) is thrown away.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO client.test\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@remote.test>\r\nRCPT TO:<alice@example.com>\r\n"
                  b"DATA\r\nSubject: injected\r\n\r\nx\r\n.\r\n")
        self.assertTrue(f.readline().startswith(b"220 2.0.0"))
        tls = tls_context().wrap_socket(s, server_hostname="mail.test")
        tls.settimeout(1.0)
        try:
            extra = tls.recv(4096)
        except socket.timeout:
            extra = b""
        self.assertEqual(extra, b"")  # no reply to any injected command
        tls.sendall(b"QUIT\r\n")
        tls.settimeout(10)
        self.assertTrue(tls.recv(4096).startswith(b"221"))
        tls.close()
        self.assertEqual(self.inbox("alice"), [])

    def test_5_auth_on_587(self):
        port = self.d.port("submission")
        # No AUTH: 530 at MAIL.
        code, out = swaks(port, "-tls", "--from", "alice@example.com", "--to", "x@elsewhere.test",
                          "--quit-after", "MAIL")
        self.assertTrue(reply_to(out, "MAIL FROM").startswith("530 5.7.0"), out)
        # AUTH is not even offered before TLS; forcing it gives 538.
        code, out = swaks(port, "--quit-after", "EHLO")
        self.assertNotIn("AUTH", "\n".join(server_lines(out)))
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO client.test\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        s.sendall(b"AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==\r\n")
        self.assertTrue(f.readline().startswith(b"538 5.7.11"))
        s.close()
        # Wrong password: 535 5.7.8.
        code, out = swaks(port, "-tls", "-a", "PLAIN", "-au", "alice@example.com", "-ap", "wrong",
                          "--from", "alice@example.com", "--to", "bob@example.com")
        self.assertNotEqual(code, 0)
        self.assertTrue(any(r.startswith("535 5.7.8") for r in server_lines(out)), out)
        # PLAIN and LOGIN with the right password: delivered locally and queued for the world.
        for mech in ("PLAIN", "LOGIN"):
            code, out = swaks(port, "-tls", "-a", mech, "-au", "alice@example.com", "-ap",
                              "secret", "--from", "alice@example.com",
                              "--to", "bob@example.com,friend@elsewhere.test",
                              "--header", f"Subject: via {mech}")
            self.assertEqual(code, 0, out)
            self.assertTrue(any(r.startswith("235 2.7.0") for r in server_lines(out)), out)
        mails = self.inbox("bob")
        self.assertEqual(len(mails), 2)
        self.assertIn(b"with ESMTPSA", mails[0])
        self.assertEqual(len(self.queue_entries()), 2)
        # The account's alias is its own address; somebody else's is not (553 5.7.1).
        code, out = swaks(port, "-tls", "-a", "LOGIN", "-au", "alice@example.com", "-ap", "secret",
                          "--from", "sales@example.com", "--to", "bob@example.com")
        self.assertEqual(code, 0, out)
        code, out = swaks(port, "-tls", "-a", "PLAIN", "-au", "alice@example.com", "-ap", "secret",
                          "--from", "bob@example.com", "--to", "x@elsewhere.test",
                          "--quit-after", "MAIL")
        self.assertTrue(reply_to(out, "MAIL FROM").startswith("553 5.7.1"), out)
        # Implicit TLS is covered by test_smtp_submission; 25 offers no AUTH at all.
        code, out = swaks(self.d.port("smtp"), "-tls", "--quit-after", "EHLO")
        self.assertNotIn("AUTH", "\n".join(server_lines(out)))


if __name__ == "__main__":
    unittest.main()
