"""Submission (587 STARTTLS, 465 implicit TLS) against the real tegamid with smtplib: AUTH
required before MAIL, AUTH only after TLS, PLAIN and LOGIN, sender ownership, local delivery,
remote recipients accepted into the queue."""
import glob
import os
import smtplib
import sys
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


class SubmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("submission", "submission", "starttls"),
                         ("submissions", "submission", "implicit")],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail", "example.com")

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def inbox(self, user):
        return sorted(glob.glob(os.path.join(self.mail_root, user, "new", "*")))

    def test_1_auth_required_and_only_after_tls(self):
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=10) as s:
            s.ehlo("client.test")
            self.assertFalse(s.has_extn("auth"))
            code, msg = s.mail("alice@example.com")
            self.assertEqual((code, msg[:5]), (530, b"5.7.0"))
            code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==")
            self.assertEqual(code, 538)
            s.rset()
            s.starttls(context=tls_context())
            s.ehlo("client.test")
            self.assertIn("PLAIN", s.esmtp_features.get("auth", ""))
            self.assertIn("LOGIN", s.esmtp_features.get("auth", ""))
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login("alice@example.com", "wrong")

    def test_2_plain_login_sender_ownership_and_delivery(self):
        before = len(self.inbox("bob"))
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("alice@example.com", "secret")
            code, msg = s.mail("bob@example.com")
            self.assertEqual((code, msg[:5]), (553, b"5.7.1"))
            s.rset()
            s.sendmail("sales@example.com", ["bob@example.com"],
                       b"Subject: from alice\r\n\r\nhello bob\r\n")
            s.mail("alice@example.com")
            code, msg = s.rcpt("someone@elsewhere.test")  # relayed through the queue
            self.assertEqual((code, msg[:5]), (250, b"2.1.5"))
            s.rset()
        mails = self.inbox("bob")
        self.assertEqual(len(mails), before + 1)
        with open(mails[-1], "rb") as f:
            data = f.read()
        self.assertIn(b"with ESMTPSA", data)
        self.assertTrue(data.endswith(b"Subject: from alice\n\nhello bob\n"))

    def test_3_implicit_tls_with_auth_login(self):
        with smtplib.SMTP_SSL("127.0.0.1", self.d.port("submissions"), timeout=30,
                              context=tls_context()) as s:
            s.ehlo("client.test")
            s.user, s.password = "bob@example.com", "secret"
            code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
            self.assertEqual(code, 235)
            self.assertEqual(s.sendmail("bob@example.com", ["alice@example.com"],
                                        b"Subject: 465\r\n\r\nx\r\n"), {})
        self.assertTrue(self.inbox("alice"))


if __name__ == "__main__":
    unittest.main()
