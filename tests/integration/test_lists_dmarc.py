"""A list with munge_from (Mailman's DMARC mitigation) against tegamid and the tests' own DNS
server (lib/dns_server.py, pointed at by outbound.dns_servers): the poster's From: is replaced
by the list's address exactly when `_dmarc.<domain>` (or its parent, down to two labels)
publishes p=reject or p=quarantine, and left alone for p=none, no record, a TXT that is not
DMARC, or a DNS failure (SERVFAIL). Each post's lookup is checked on the DNS server's side, so
the answer really came from the test zone."""
import email
import email.policy
import os
import smtplib
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid  # noqa: E402
from dns_server import DnsServer  # noqa: E402
from polling import wait_for  # noqa: E402

DOMAIN = """domain: example.com
accounts:
  - user: alice
    password: "{PLAIN}secret"
  - user: bob
    password: "{PLAIN}secret"
lists:
  - address: dm
    members: [alice, bob]
    posting: anyone
    munge_from: true
  - address: plain
    members: [alice, bob]
    posting: anyone
"""

ZONE = {
    "_dmarc.strict.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@strict.test"]},
    "_dmarc.quar.test": {"TXT": ["v=DMARC1;p=quarantine;pct=100"]},
    "_dmarc.open.test": {"TXT": ["v=DMARC1; p=none"]},
    "_dmarc.spf.test": {"TXT": ["v=spf1 -all"]},
    "_dmarc.parent.test": {"TXT": ["v=DMARC1; p=reject"]},
}


class ListDmarcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = DnsServer(ZONE, servfail=["_dmarc.broken.test"]).__enter__()
        cls.d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": DOMAIN},
                        main_extra=f"outbound:\n  enabled: false\n"
                                   f"  dns_servers: 127.0.0.1:{cls.dns.port}\n")
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.__exit__(None, None, None)
        finally:
            cls.dns.__exit__(None, None, None)

    def post(self, list_name, sender, name):
        """Posts to the list as `"name" <sender>`; returns bob's copy (parsed) and the DNS
        queries the post caused."""
        marker = f"<{time.time_ns()}@dmarc.test>"
        before = len(self.dns.queries)
        data = (f'From: "{name}" <{sender}>\r\nTo: {list_name}@example.com\r\n'
                f"Subject: dmarc\r\nMessage-ID: {marker}\r\n\r\nhello\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail(sender, [f"{list_name}@example.com"], data), {})
        new = os.path.join(self.root, "bob", "new")

        def copy():
            for n in os.listdir(new):
                with open(os.path.join(new, n), "rb") as f:
                    raw = f.read()
                if marker.encode() in raw:
                    return email.message_from_bytes(raw, policy=email.policy.default)
            return None
        m = wait_for(copy)
        self.assertIsNotNone(m, self.d.log()[-2000:])
        return m, self.dns.queries[before:]

    def assert_munged(self, m, name, sender):
        self.assertEqual(m["From"].addresses[0].addr_spec, "dm@example.com")
        self.assertEqual(m["From"].addresses[0].display_name, f"{name} via dm")
        self.assertEqual(m["Reply-To"].addresses[0].addr_spec, sender)

    def assert_kept(self, m, sender):
        self.assertEqual(m["From"].addresses[0].addr_spec, sender)
        self.assertIsNone(m["Reply-To"])

    def test_reject_and_quarantine_rewrite_from(self):
        m, q = self.post("dm", "ann@strict.test", "Ann Example")
        self.assertIn(("_dmarc.strict.test", "TXT"), q)
        self.assert_munged(m, "Ann Example", "ann@strict.test")
        m, q = self.post("dm", "quinn@quar.test", "Quinn")
        self.assertIn(("_dmarc.quar.test", "TXT"), q)
        self.assert_munged(m, "Quinn", "quinn@quar.test")

    def test_parent_domain_policy_applies_to_a_subdomain(self):
        m, q = self.post("dm", "pat@mail.parent.test", "Pat")
        self.assertEqual([x for x in q if x[1] == "TXT"][:2],
                         [("_dmarc.mail.parent.test", "TXT"), ("_dmarc.parent.test", "TXT")])
        self.assert_munged(m, "Pat", "pat@mail.parent.test")

    def test_none_missing_non_dmarc_and_servfail_leave_from_alone(self):
        for sender in ("olga@open.test", "nick@nothing.test", "sam@spf.test",
                       "bert@broken.test"):
            with self.subTest(sender=sender):
                m, q = self.post("dm", sender, "Someone")
                domain = sender.split("@")[1]
                self.assertIn((f"_dmarc.{domain}", "TXT"), q)
                self.assert_kept(m, sender)

    def test_list_without_munge_from_asks_no_dns(self):
        m, q = self.post("plain", "ann@strict.test", "Ann Example")
        self.assertEqual([x for x in q if x[0].startswith("_dmarc.")], [])
        self.assert_kept(m, "ann@strict.test")


if __name__ == "__main__":
    unittest.main()
