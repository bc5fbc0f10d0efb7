"""Port 25 policies against the real tegamid: the early-talker (pregreet) test of
`greeting_delay`, a domain's `catch_all` to local and external addresses, the SMTP counters
on /metrics (accepted, delivered, refused at RCPT and after DATA, early talkers), a mailbox
already over quota (552 5.2.2 at RCPT), a mail loop (554 5.4.6) and the error limit (421)."""
import glob
import os
import smtplib
import socket
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid  # noqa: E402

CATCH = """domain: catch.test
plan: standard
max_accounts: 10
catch_all: [alice, archive@elsewhere.test]
accounts:
  - user: alice
    password: "{PLAIN}secret"
  - user: bob
    password: "{PLAIN}secret"
    enabled: false
aliases:
  - address: team
    to: [alice, ghost]
"""

PLAIN = """domain: plain.test
plan: standard
max_accounts: 10
accounts:
  - user: carol
    password: "{PLAIN}secret"
  - user: full
    password: "{PLAIN}secret"
    quota: 1
"""

DELAY_MS = 1000


def read_reply(sock, timeout=10.0):
    sock.settimeout(timeout)
    data = b""
    while not data.endswith(b"\r\n") or data.split(b"\r\n")[-2][3:4] == b"-":
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


class PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none", {"greeting_delay": f"{DELAY_MS}ms"}),
                         ("mx", "smtp", "none")],
                        domains={"catch.test.yaml": CATCH, "plain.test.yaml": PLAIN})
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def inbox(self, domain, user):
        return sorted(glob.glob(os.path.join(self.mail_root, domain, user, "new", "*")))

    def queued(self):
        out = []
        env = os.path.join(self.queue, "env")
        for name in sorted(os.listdir(env)) if os.path.isdir(env) else []:
            with open(os.path.join(env, name), "rb") as f:
                out.append(f.read())
        return out

    def metrics(self):
        url = f"http://127.0.0.1:{self.d.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def test_1_early_talker_is_refused_and_a_patient_client_is_greeted(self):
        before = self.metrics()
        s = socket.create_connection(("127.0.0.1", self.d.port("smtp")), timeout=10)
        s.sendall(b"EHLO bot.test\r\nMAIL FROM:<spam@bot.test>\r\n")
        reply = read_reply(s)
        self.assertTrue(reply.startswith(b"554 5.5.0"), reply)
        self.assertNotIn(b"220", reply)  # never greeted
        s.settimeout(5)
        self.assertEqual(s.recv(4096), b"")  # and closed
        s.close()
        # A client that waits gets the greeting after the delay and is served normally.
        t0 = time.monotonic()
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=10) as c:
            waited = time.monotonic() - t0
            self.assertEqual(c.sendmail("x@remote.test", ["carol@plain.test"],
                                        b"Subject: patient\r\n\r\nhi\r\n"), {})
        self.assertGreaterEqual(waited, DELAY_MS / 1000 * 0.9)
        self.assertEqual(len(self.inbox("plain.test", "carol")), 1)
        # The listener without greeting_delay greets at once.
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", self.d.port("mx")), timeout=10)
        self.assertTrue(read_reply(s).startswith(b"220 "))
        self.assertLess(time.monotonic() - t0, DELAY_MS / 1000 * 0.6)
        s.close()
        after = self.metrics()
        self.assertEqual(after['tegami_smtp_rejected_total{stage="connect"}'] -
                         before['tegami_smtp_rejected_total{stage="connect"}'], 1)

    def test_2_catch_all_takes_unknown_users_to_local_and_external(self):
        port = self.d.port("mx")
        alice = len(self.inbox("catch.test", "alice"))
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            self.assertEqual(c.sendmail("x@remote.test", ["whoever@catch.test"],
                                        b"Subject: caught\r\n\r\nhi\r\n"), {})
        self.assertEqual(len(self.inbox("catch.test", "alice")), alice + 1)
        entries = self.queued()
        self.assertEqual(len(entries), 1)
        self.assertIn(b"\nrcpt archive@elsewhere.test ", entries[0])
        # The external copy waits for remote delivery; clear it.
        for name in os.listdir(os.path.join(self.queue, "env")):
            os.unlink(os.path.join(self.queue, "env", name))
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("client.test")
            c.mail("x@remote.test")
            # Known addresses keep their meaning; a disabled account is not caught.
            self.assertEqual(c.rcpt("alice@catch.test")[0], 250)
            code, msg = c.rcpt("bob@catch.test")
            self.assertEqual((code, msg[:5]), (550, b"5.2.1"))
            # An alias target that does not exist is a config error, not caught again.
            code, msg = c.rcpt("team@catch.test")
            self.assertEqual((code, msg[:5]), (550, b"5.1.1"))
            # Relay tricks stay refused, catch-all or not.
            for trick in ("victim%elsewhere.test@catch.test", "@catch.test:v@elsewhere.test",
                          "elsewhere.test!v@catch.test", "whoever@catch.test."):
                code, msg = c.rcpt(trick)
                self.assertEqual((code, msg[:5]), (554, b"5.7.1"), trick)
            c.rset()
        # A domain without catch_all still refuses unknown users.
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("client.test")
            c.mail("x@remote.test")
            code, msg = c.rcpt("whoever@plain.test")
            self.assertEqual((code, msg[:5]), (550, b"5.1.1"))

    def test_3_metrics_count_accepted_delivered_and_refused(self):
        port = self.d.port("mx")
        before = self.metrics()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            # One message to two mailboxes: 1 accepted, 2 delivered copies.
            self.assertEqual(c.sendmail("x@remote.test", ["carol@plain.test", "alice@catch.test"],
                                        b"Subject: count me\r\n\r\nhi\r\n"), {})
            c.ehlo("client.test")
            c.mail("x@remote.test")
            self.assertEqual(c.rcpt("nobody@plain.test")[0], 550)    # refused at RCPT
            self.assertEqual(c.rcpt("v@elsewhere.test")[0], 554)     # relay refused at RCPT
            self.assertEqual(c.rcpt("carol@plain.test")[0], 250)
            # A message with a bare LF is refused after DATA.
            code, _ = c.data(b"Subject: bad\r\n\r\nbare\nlf\r\n")
            self.assertEqual(code, 550)
        after = self.metrics()

        def delta(name):
            return after.get(name, 0) - before.get(name, 0)

        self.assertEqual(delta("tegami_messages_received_total"), 1)
        self.assertEqual(delta("tegami_messages_delivered_total"), 2)
        self.assertEqual(delta('tegami_smtp_rejected_total{stage="rcpt"}'), 2)
        self.assertEqual(delta('tegami_smtp_rejected_total{stage="data"}'), 1)
        self.assertGreaterEqual(after['tegami_connections_total{protocol="smtp"}'], 1)

    def test_4_over_quota_at_rcpt_loop_and_error_limit(self):
        port = self.d.port("mx")
        # full@plain.test (1 MB quota) already holds 1.2 MB: refused at RCPT, the sending MTA
        # tells its user.
        box = os.path.join(self.mail_root, "plain.test", "full")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(box, sub), exist_ok=True)
        size = 1200000
        with open(os.path.join(box, "cur", f"1700000000.M1P1.test,S={size}:2,S"), "wb") as f:
            f.write(b"Subject: big\n\n" + b"x" * (size - 15))
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("client.test")
            c.mail("x@remote.test")
            code, msg = c.rcpt("full@plain.test")
            self.assertEqual((code, msg[:5]), (552, b"5.2.2"))
            c.rset()
            # More than 50 Received headers: a loop, refused after DATA, nothing stored.
            loop = b"".join(b"Received: from hop%d.test by hop%d.test; Mon, 7 Dec 2026 10:00:00 "
                            b"+0000\r\n" % (i, i + 1) for i in range(51))
            carol = len(self.inbox("plain.test", "carol"))
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                c.sendmail("x@remote.test", ["carol@plain.test"],
                           loop + b"Subject: loop\r\n\r\nround and round\r\n")
            self.assertEqual(cm.exception.smtp_code, 554)
            self.assertTrue(cm.exception.smtp_error.startswith(b"5.4.6"))
            self.assertEqual(len(self.inbox("plain.test", "carol")), carol)
        # Ten refused commands are answered; the eleventh closes the connection with 421.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        read_reply(s)
        s.sendall(b"BOGUS\r\n" * 11)
        replies = b""
        s.settimeout(10)
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            replies += chunk
        lines = replies.split(b"\r\n")
        self.assertEqual([l[:3] for l in lines[:11]], [b"500"] * 11)
        self.assertTrue(lines[11].startswith(b"421 4.7.0"), replies)
        s.close()


if __name__ == "__main__":
    unittest.main()
