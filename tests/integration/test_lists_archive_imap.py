"""A list's archive over IMAP: the archive Maildir of a list with `archive: true` is the shared
folder "shared/<list address>" for the list's admins (NAMESPACE's shared namespace "shared/",
as Dovecot's). Posts go in through SMTP; the admin lists, examines, fetches (in serial-number
order) and searches them with imaplib; every write (STORE, EXPUNGE, APPEND, COPY/MOVE, CREATE)
is refused with NO [NOPERM]; a member who is no admin neither sees nor opens the folder."""
import imaplib
import os
import re
import smtplib
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid  # noqa: E402

DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: alice
    password: "{PLAIN}secret"
  - user: bob
    password: "{PLAIN}secret"
  - user: carol
    password: "{PLAIN}secret"
    aliases: [c.k]
lists:
  - address: sales
    members: [alice, bob]
    admins: [alice]
    subject_tag: sales
    archive: true
  - address: ops
    members: [alice, bob, c.k]
    admins: [c.k]
    archive: true
  - address: plain
    members: [alice]
    admins: [alice]
"""
SALES = b'"shared/sales@example.com"'
# Ten posts within a second or so: their file names do not sort by delivery (the microseconds in
# them are not zero-padded), the UIDs still must follow the serial numbers.
SUBJECTS = ["first post", "second post", "third post"] + [f"post {n}" for n in range(4, 11)]
N = len(SUBJECTS)


class ListArchiveImap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"),
                         ("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)
        with smtplib.SMTP("127.0.0.1", cls.d.port("smtp"), timeout=20) as s:
            for i, subject in enumerate(SUBJECTS):
                msg = (f"From: Bob <bob@example.com>\r\nTo: sales@example.com\r\n"
                       f"Subject: {subject}\r\nMessage-ID: <p{i}@example.com>\r\n\r\n"
                       f"Body number {i + 1}.\r\n")
                s.sendmail("bob@example.com", ["sales@example.com"], msg)
            s.sendmail("alice@example.com", ["ops@example.com"],
                       "From: alice@example.com\r\nSubject: ops note\r\n\r\nhi\r\n")

    def login(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=20)
        m.login(f"{user}@example.com", "secret")
        self.addCleanup(m.logout)
        return m

    def listed(self, m, pattern="*"):
        typ, data = m.list('""', pattern)
        self.assertEqual(typ, "OK")
        return [line for line in data if line]

    def test_namespace_has_shared(self):
        m = self.login("alice")
        typ, data = m.namespace()
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], b'(("" "/")) NIL (("shared/" "/"))')

    def test_admin_sees_own_archives_only(self):
        alice = b"\n".join(self.listed(self.login("alice")))
        self.assertIn(b'(\\HasNoChildren) "/" ' + SALES, alice)
        self.assertIn(b'(\\Noselect \\HasChildren) "/" "shared"', alice)
        self.assertNotIn(b"ops@example.com", alice)  # a member, not an admin
        self.assertNotIn(b"plain@example.com", alice)  # no archive
        # An admin through an account alias (c.k is carol's).
        carol = b"\n".join(self.listed(self.login("carol"), "shared/%"))
        self.assertIn(b'"shared/ops@example.com"', carol)
        self.assertNotIn(b"sales", carol)

    def test_non_admin_sees_nothing(self):
        bob = self.login("bob")
        self.assertFalse([x for x in self.listed(bob) if b"shared" in x])
        for readonly in (False, True):
            typ, data = bob.select(SALES.decode(), readonly=readonly)
            self.assertEqual(typ, "NO")
            self.assertIn(b"[NONEXISTENT]", data[0])
        typ, data = bob.status(SALES.decode(), "(MESSAGES)")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])

    def test_status(self):
        m = self.login("alice")
        typ, data = m.status(SALES.decode(), "(MESSAGES UNSEEN)")
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], SALES + f" (MESSAGES {N} UNSEEN {N})".encode())
        typ, data = m._simple_command("LIST", '""', "shared/*", "RETURN", "(STATUS (MESSAGES))")
        typ, data = m._untagged_response(typ, data, "STATUS")
        self.assertEqual(data, [SALES + f" (MESSAGES {N})".encode()])

    def test_admin_reads_posts_in_serial_order(self):
        m = self.login("alice")
        # SELECT answers OK [READ-ONLY] (imaplib raises on that), EXAMINE likewise.
        with self.assertRaises(imaplib.IMAP4.readonly):
            m.select(SALES.decode())
        typ, data = m.select(SALES.decode(), readonly=True)
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], str(N).encode())
        typ, data = m.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT X-MAIL-COUNT)])")
        self.assertEqual(typ, "OK")
        headers = [part[1].decode() for part in data if isinstance(part, tuple)]
        counts = [int(re.search(r"X-Mail-Count: (\d+)", h).group(1)) for h in headers]
        self.assertEqual(counts, list(range(1, N + 1)))
        for n, (h, subject) in enumerate(zip(headers, SUBJECTS), 1):
            self.assertIn(f"Subject: [sales:{n:05d}] {subject}", h)
        typ, data = m.search(None, "SUBJECT", '"second"')
        self.assertEqual((typ, data[0]), ("OK", b"2"))
        typ, data = m.fetch("3", "(BODY[TEXT])")  # not PEEK, but nothing may change
        self.assertEqual(typ, "OK")
        self.assertIn(b"Body number 3.", data[0][1])
        typ, data = m.fetch("3", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])

    def test_writes_refused(self):
        m = self.login("alice")
        m.create("Mine")
        m.select(SALES.decode(), readonly=True)
        for typ, data in (m.store("1", "+FLAGS", "(\\Deleted)"),
                          m.uid("MOVE", "1:*", "Mine")):
            self.assertEqual(typ, "NO")
            self.assertIn(b"[NOPERM]", data[0])
        typ, data = m.expunge()
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NOPERM]", data[0])
        # Reading out into one's own folder is allowed.
        self.assertEqual(m.copy("1:2", "Mine")[0], "OK")
        m.close()
        self.assertEqual(m.select("Mine")[1][0], b"2")
        for typ, data in (m.copy("1", SALES.decode()),
                          m.append(SALES.decode(), None, None, b"Subject: x\r\n\r\ny\r\n"),
                          m.create("shared/sales@example.com/sub"),
                          m.delete(SALES.decode()),
                          m.rename(SALES.decode(), "Elsewhere")):
            self.assertEqual(typ, "NO")
            self.assertIn(b"[NOPERM]", data[0])
        m.close()
        # Still all of them, none flagged.
        m.select(SALES.decode(), readonly=True)
        typ, data = m.fetch("1:*", "(FLAGS)")
        self.assertEqual(len(data), N)
        self.assertFalse([d for d in data if b"\\Deleted" in d or b"\\Seen" in d])


if __name__ == "__main__":
    unittest.main()
