"""POP3 maildrop state against the real tegamid (issue 5): the lock of a crashed daemon does not
lock the user out (stale lock detection), the maildrop is INBOX as of login (mail delivered
during a session is in the next one), and UIDLs stay the same while IMAP changes flags of the
same messages — in Dovecot's format and in Courier's (a per-domain setting), where Courier's
names the IMAP UID and UIDVALIDITY."""
import imaplib
import os
import poplib
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid  # noqa: E402

PASSWORD = "Secret 2"
PLANS = """plans:
  - name: standard
    mailbox_quota: 50
    protocols: [smtp, submission, pop3, imap]
"""


def domain_yaml(name, extra=""):
    return (f"domain: {name}\nplan: standard\nmax_accounts: 10\n{extra}accounts:\n"
            f"  - user: alice\n    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 10\n")


MESSAGES = [b"From: a@example.com\nSubject: %d\n\nbody %d\n" % (i, i) for i in range(4)]


def put_messages(maildir, messages, start=0):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for i, m in enumerate(messages, start):
        with open(os.path.join(maildir, "new", f"{1700000000 + i}.M{i}P{os.getpid()}.test"),
                  "wb") as f:
            f.write(m)


class Pop3State(unittest.TestCase):
    def setUp(self):
        self.d = Tegamid([("pop3", "pop3", "none", {"allow_plaintext_auth": "true"}),
                          ("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                         domains={"example.com.yaml": domain_yaml("example.com"),
                                  "courier.test.yaml": domain_yaml("courier.test",
                                                                   "uidl_format: courier\n")},
                         main_extra=PLANS)
        self.maildirs = {d: os.path.join(self.d.dir, "var", "mail", d, "alice")
                         for d in ("example.com", "courier.test")}
        for m in self.maildirs.values():
            put_messages(m, MESSAGES)
        self.d.start()

    def tearDown(self):
        self.d.stop()

    def pop(self, domain="example.com"):
        p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=20)
        p.user("alice@" + domain)
        p.pass_(PASSWORD)
        return p

    def test_a_crashed_daemons_lock_does_not_lock_the_user_out(self):
        p = self.pop()
        p.dele(1)
        self.d.signal(signal.SIGKILL)  # the session's lock stays on disk
        self.d.wait_exit(timeout=10)
        self.assertTrue(os.path.exists(os.path.join(self.maildirs["example.com"],
                                                    "tegami-pop3.lock")))
        p.sock.close()
        self.d.start(wait=False)
        self.d.wait_log("started", count=2, timeout=20)
        q = self.pop()  # the holder died on this host: the lock is broken, not [IN-USE]
        self.assertEqual(q.stat()[0], len(MESSAGES))  # DELE without QUIT expunged nothing
        q.quit()

    def test_mail_delivered_during_a_session_is_in_the_next_one(self):
        p = self.pop()
        count, size = p.stat()
        put_messages(self.maildirs["example.com"], [b"Subject: late\n\nlate\n"], start=10)
        time.sleep(0.2)
        self.assertEqual(p.stat(), (count, size))
        self.assertEqual(len(p.list()[1]), count)
        with self.assertRaises(poplib.error_proto):
            p.retr(count + 1)
        p.quit()
        q = self.pop()
        self.assertEqual(q.stat()[0], count + 1)
        self.assertEqual(b"\r\n".join(q.retr(count + 1)[1]) + b"\r\n", b"Subject: late\r\n\r\nlate\r\n")
        q.quit()

    def uidls(self, domain):
        p = self.pop(domain)
        _, lines, _ = p.uidl()
        p.quit()
        return [l.split()[1].decode() for l in lines]

    def imap_changes_flags(self, domain):
        """Returns [(uid, ...)] and UIDVALIDITY after IMAP marked, flagged and answered."""
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=20)
        m.login("alice@" + domain, PASSWORD)
        typ, _ = m.select("INBOX")
        self.assertEqual(typ, "OK")
        validity = int(m.untagged_responses["UIDVALIDITY"][0])
        m.store("1:2", "+FLAGS", "(\\Seen)")
        m.store("2:3", "+FLAGS", "(\\Flagged \\Answered)")
        m.store("4", "+FLAGS", "($Label1)")
        _, data = m.fetch("1:*", "(UID FLAGS)")
        uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
        m.logout()
        return uids, validity

    def test_uidls_survive_imap_flag_changes_in_both_formats(self):
        for domain in ("example.com", "courier.test"):
            with self.subTest(domain=domain):
                before = self.uidls(domain)
                uids, validity = self.imap_changes_flags(domain)
                names = os.listdir(os.path.join(self.maildirs[domain], "cur"))
                self.assertTrue(any(n.endswith(":2,FRS") for n in names), names)  # renamed
                self.assertEqual(self.uidls(domain), before)
                if domain == "courier.test":
                    self.assertEqual(before, [f"UID{u}-{validity}" for u in uids])
                else:
                    self.assertEqual(before, [f"{u:08x}{validity:08x}" for u in uids])


if __name__ == "__main__":
    unittest.main()
