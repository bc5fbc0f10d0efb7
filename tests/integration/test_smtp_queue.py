"""The delivery pipeline's queue and DSNs against the real tegamid, with smtplib and Python's
email package: several recipients with one refused after DATA (the others get it, the sender's
INBOX gets an RFC 3464 DSN honouring RET/ENVID/ORCPT/NOTIFY), no DSN for the null sender, a
single refused recipient still gets 552 at the end of DATA, remote recipients of an
authenticated user and external alias targets go into the queue before the 250, and the queue
entry survives kill -9 without duplicating the local copies."""
import email
import email.policy
import glob
import os
import poplib
import signal
import smtplib
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, tls_context  # noqa: E402
from queue_files import read_entry  # noqa: E402
from polling import wait_for  # noqa: E402

# Remote delivery is off here: these tests look at what stays in the queue (test_outbound.py
# covers delivery to remote servers).
PLANS = """outbound:
  enabled: false
plans:
  - name: standard
    mailbox_quota: 50
  - name: tight
    mailbox_quota: 1
    quota_policy: strict
"""

EXAMPLE = """domain: example.com
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
  - address: fwd
    to: [bob, someone@elsewhere.test]
"""

STRICT = """domain: strict.test
plan: tight
max_accounts: 10
accounts:
  - user: carol
    password: "{PLAIN}secret"
    quota: 1
"""

# 1.5 MB: more than carol's whole (strict) 1 MB quota, fine for everyone else.
BIG = (b"From: bob@example.com\r\nSubject: big report\r\nMessage-ID: <big@example.com>\r\n\r\n" +
       b"".join(b"line %06d of the report\r\n" % i for i in range(60000)))


class QueueTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"), ("submission", "submission", "starttls")],
                        domains={"example.com.yaml": EXAMPLE, "strict.test.yaml": STRICT},
                        main_extra=PLANS)
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def inbox(self, domain, user):
        return sorted(glob.glob(os.path.join(self.mail_root, domain, user, "new", "*")))

    def entries(self):
        return sorted(os.listdir(os.path.join(self.queue, "env")))

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()


class DsnTest(QueueTestBase):
    def dsn_for(self, before):
        """The one new message in bob's INBOX (the DSN), parsed."""
        new = wait_for(lambda: [p for p in self.inbox("example.com", "bob") if p not in before])
        self.assertEqual(len(new), 1, "exactly one DSN")
        raw = self.read(new[0])
        return raw, email.message_from_bytes(raw, policy=email.policy.default)

    def check_report(self, msg, status="5.2.2"):
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Return-Path"], "<>")
        self.assertIn("MAILER-DAEMON@mail.test", msg["From"])
        self.assertEqual(msg["Auto-Submitted"], "auto-replied")
        self.assertIn("配信", str(msg["Subject"]))  # the encoded Japanese half decodes
        parts = list(msg.iter_parts())
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0].get_content_type(), "text/plain")
        text = parts[0].get_content()
        self.assertIn("could not be delivered", text)
        self.assertIn("配信できませんでした", text)
        self.assertEqual(parts[1].get_content_type(), "message/delivery-status")
        blocks = parts[1].get_payload()
        self.assertEqual(blocks[0]["Reporting-MTA"], "dns; mail.test")
        per_rcpt = blocks[1:]
        self.assertEqual(len(per_rcpt), 1)
        self.assertEqual(per_rcpt[0]["Final-Recipient"], "rfc822; carol@strict.test")
        self.assertEqual(per_rcpt[0]["Action"], "failed")
        self.assertEqual(per_rcpt[0]["Status"], status)
        self.assertIn("smtp; 552 5.2.2", per_rcpt[0]["Diagnostic-Code"])
        return blocks, parts

    def test_1_one_over_quota_others_get_it_sender_gets_dsn_with_headers(self):
        before = self.inbox("example.com", "bob")
        alice_before = len(self.inbox("example.com", "alice"))
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            refused = s.sendmail("bob@example.com", ["alice@example.com", "carol@strict.test"], BIG,
                                 mail_options=["RET=HDRS", "ENVID=QQ314159"],
                                 rcpt_options=["NOTIFY=FAILURE", "ORCPT=rfc822;Carol@strict.test"])
            self.assertEqual(refused, {})
        self.assertEqual(len(self.inbox("example.com", "alice")), alice_before + 1)
        self.assertEqual(self.inbox("strict.test", "carol"), [])
        raw, msg = self.dsn_for(before)
        blocks, parts = self.check_report(msg)
        self.assertEqual(blocks[0]["Original-Envelope-Id"], "QQ314159")
        self.assertIn("Arrival-Date", blocks[0])
        self.assertEqual(blocks[1]["Original-Recipient"], "rfc822; Carol@strict.test")
        # RET=HDRS: the original's header only.
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertIn(b"Subject: big report", raw)
        self.assertNotIn(b"line 000001 of the report", raw)
        # Delivered, so the queue is empty again.
        self.assertTrue(wait_for(lambda: self.entries() == []))

    def test_2_ret_full_returns_the_whole_message(self):
        before = self.inbox("example.com", "bob")
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("bob@example.com", ["alice@example.com", "carol@strict.test"],
                                        BIG, mail_options=["RET=FULL"]), {})
        raw, msg = self.dsn_for(before)
        blocks, parts = self.check_report(msg)
        self.assertNotIn("Original-Envelope-Id", blocks[0])
        self.assertEqual(parts[2].get_content_type(), "message/rfc822")
        original = parts[2].get_payload()[0]
        self.assertEqual(original["Subject"], "big report")
        self.assertIn(b"line 059999 of the report", raw)

    def test_3_null_sender_and_notify_never_get_no_dsn(self):
        before = self.inbox("example.com", "bob")
        alice_before = len(self.inbox("example.com", "alice"))
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("<>", ["alice@example.com", "carol@strict.test"], BIG), {})
            self.assertEqual(s.sendmail("bob@example.com", ["alice@example.com", "carol@strict.test"],
                                        BIG, rcpt_options=["NOTIFY=NEVER"]), {})
        self.assertEqual(len(self.inbox("example.com", "alice")), alice_before + 2)
        # A DSN would have been queued before the 250: nothing is queued, nothing arrives.
        self.assertEqual(self.entries(), [])
        time.sleep(0.5)
        self.assertEqual(self.inbox("example.com", "bob"), before)

    def test_3b_notify_success_gets_a_delivered_dsn(self):
        before = self.inbox("example.com", "bob")
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("bob@example.com", ["alice@example.com"],
                                        b"Subject: tell me\r\n\r\nhi\r\n",
                                        rcpt_options=["NOTIFY=SUCCESS,FAILURE"]), {})
        raw, msg = self.dsn_for(before)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        blocks = list(msg.iter_parts())[1].get_payload()
        self.assertEqual(blocks[1]["Action"], "delivered")
        self.assertEqual(blocks[1]["Status"], "2.0.0")
        self.assertEqual(blocks[1]["Final-Recipient"], "rfc822; alice@example.com")
        self.assertTrue(wait_for(lambda: self.entries() == []))

    def test_4_single_recipient_refused_after_data_is_552(self):
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                s.sendmail("bob@example.com", ["carol@strict.test"], BIG)
            self.assertEqual(cm.exception.smtp_code, 552)
            self.assertTrue(cm.exception.smtp_error.startswith(b"5.2.2"))
        self.assertEqual(self.entries(), [])

    def test_5_alias_to_external_address_goes_through_the_queue(self):
        bob_before = len(self.inbox("example.com", "bob"))
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("x@remote.test", ["fwd@example.com"],
                                        b"Subject: forwarded\r\n\r\nhi\r\n"), {})
        self.assertEqual(len(self.inbox("example.com", "bob")), bob_before + 1)
        entries = self.entries()
        self.assertEqual(len(entries), 1)
        env, msg = read_entry(self.queue, entries[0])
        self.assertIn(b"\nrcpt someone@elsewhere.test - -\n", env)
        self.assertIn(b"\nsender x@remote.test\n", env)
        self.assertTrue(msg.startswith(b"Received: from "))
        self.assertTrue(msg.endswith(b"Subject: forwarded\r\n\r\nhi\r\n"))
        for name in entries:  # clean up for the other tests
            os.unlink(os.path.join(self.queue, "env", name))


class RelayCrashTest(QueueTestBase):
    def test_remote_recipient_queued_before_250_and_kept_after_kill9(self):
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("alice@example.com", "secret")
            refused = s.sendmail("alice@example.com", ["bob@example.com", "friend@elsewhere.test"],
                                 b"Subject: to the world\r\n\r\nhello\r\n",
                                 mail_options=["ENVID=env-1"])
            self.assertEqual(refused, {})
            # Right after the 250, before QUIT.
            self.d.proc.send_signal(signal.SIGKILL)
            self.d.proc.wait(timeout=10)
        bob = self.inbox("example.com", "bob")
        self.assertEqual(len(bob), 1)
        entries = self.entries()
        self.assertEqual(len(entries), 1)
        env, msg = read_entry(self.queue, entries[0])
        self.assertTrue(msg.endswith(b"Subject: to the world\r\n\r\nhello\r\n"))
        self.assertIn(b"\nrcpt friend@elsewhere.test - -\n", env)
        self.assertIn(b"\nauth alice@example.com\n", env)
        self.assertIn(b"\nenvid env-1\n", env)
        self.assertNotIn(b"bob@example.com", env)  # the local copy is already delivered
        self.d.start(wait=False)
        self.d.wait_log("started", timeout=20, count=2)
        time.sleep(0.5)  # the manager's start-up scan has run
        self.assertEqual(self.entries(), entries)
        self.assertEqual(self.inbox("example.com", "bob"), bob)  # not delivered twice
        self.assertEqual(read_entry(self.queue, entries[0]), (env, msg))
        self.assertEqual(os.listdir(os.path.join(self.queue, "tmp")), [])


class PopBeforeSmtpTest(QueueTestBase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"),
                         ("pop3", "pop3", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": EXAMPLE, "strict.test.yaml": STRICT},
                        main_extra=PLANS + "auth:\n  pop_before_smtp: true\n")
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    def test_relay_on_25_after_a_pop3_login_goes_into_the_queue(self):
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            s.ehlo("client.test")
            s.mail("alice@example.com")
            code, msg = s.rcpt("friend@elsewhere.test")
            self.assertEqual((code, msg[:5]), (554, b"5.7.1"))  # no POP3 login yet
            s.rset()
        p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=10)
        p.user("alice@example.com")
        p.pass_("secret")
        p.quit()
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("alice@example.com", ["friend@elsewhere.test"],
                                        b"Subject: via 25\r\n\r\nhi\r\n"), {})
        entries = self.entries()
        self.assertEqual(len(entries), 1)
        env, msg = read_entry(self.queue, entries[0])
        self.assertTrue(msg.endswith(b"Subject: via 25\r\n\r\nhi\r\n"))
        self.assertIn(b"\nrcpt friend@elsewhere.test - -\n", env)
        # The manager knows it: the metrics endpoint shows the queue length.
        url = f"http://127.0.0.1:{self.d.metrics_port}/metrics"

        def queue_length():
            with urllib.request.urlopen(url, timeout=10) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("tegami_queue_length "):
                        return int(line.split()[1])
            return None

        self.assertEqual(wait_for(lambda: queue_length() == 1), True)


if __name__ == "__main__":
    unittest.main()
