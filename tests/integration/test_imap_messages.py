"""IMAP mail handling against the real tegamid with imaplib (issue 6): APPEND with APPENDUID
and FETCH BODY[] byte-exact (CRLF), partial and HEADER/TEXT/HEADER.FIELDS sections, STORE flags
seen by a second session (NOOP updates), COPY/MOVE with COPYUID, EXPUNGE, EXAMINE read-only,
and a differential check against Debian's Dovecot on a copy of the same Maildir (UIDs, FLAGS,
RFC822.SIZE, BODY[])."""
import imaplib
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PLAN_EXTRA = plan_yaml()
DOMAIN = domain_yaml(("alice",), quota=10)

MESSAGES = [
    b"From: a@example.com\r\nTo: alice@example.com\r\nSubject: one\r\n\r\nHello\r\nworld\r\n",
    b"From: b@example.com\r\nSubject: two\r\nX-Long: a\r\n continued\r\n\r\nbody 2\r\n",
    b"From: c@example.com\r\nSubject: three\r\n\r\n" + ("line %d\r\n" * 1).encode() % 1 * 200,
]


def fetch_map(m, spec, items):
    typ, data = m.uid("FETCH", spec, items)
    assert typ == "OK", (typ, data)
    return data


class ImapMessages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def client(self):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=10)
        self.assertEqual(m.login("alice@example.com", PASSWORD)[0], "OK")
        return m

    def test_1_append_fetch_store_copy_move(self):
        m = self.client()
        m.create("Work")
        uids = []
        for i, msg in enumerate(MESSAGES):
            typ, data = m.append("Work", "(\\Flagged)" if i == 0 else None,
                                 '"01-Jan-2024 10:00:00 +0000"', msg)
            self.assertEqual(typ, "OK")
            found = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
            self.assertIsNotNone(found, data)
            uids.append(int(found.group(2)))
        self.assertEqual(uids, [1, 2, 3])
        typ, data = m.select("Work")
        self.assertEqual(data, [b"3"])
        self.assertIn(b"UIDVALIDITY", b" ".join(x for x in m.untagged_responses.get("OK", [])))
        # byte-exact bodies and sizes
        for uid, msg in zip(uids, MESSAGES):
            data = fetch_map(m, str(uid), "(UID RFC822.SIZE BODY.PEEK[])")
            self.assertEqual(data[0][1], msg)
            self.assertIn(b"RFC822.SIZE %d" % len(msg), data[0][0])
        data = fetch_map(m, "1", "(BODY.PEEK[]<7.13>)")
        self.assertEqual(data[0][1], MESSAGES[0][7:20])
        data = fetch_map(m, "2", "(BODY.PEEK[HEADER])")
        self.assertEqual(data[0][1], MESSAGES[1][:MESSAGES[1].index(b"\r\n\r\n") + 4])
        data = fetch_map(m, "2", "(BODY.PEEK[TEXT])")
        self.assertEqual(data[0][1], b"body 2\r\n")
        data = fetch_map(m, "2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT X-LONG)])")
        self.assertEqual(data[0][1], b"Subject: two\r\nX-Long: a\r\n continued\r\n\r\n")
        data = fetch_map(m, "1:*", "(FLAGS INTERNALDATE)")
        self.assertIn(b"\\Flagged", data[0])
        self.assertIn(b'INTERNALDATE " 1-Jan-2024 10:00:00 +0000"', data[0])
        # BODY[] (not PEEK) sets \Seen
        data = fetch_map(m, "3", "(BODY[])")
        self.assertIn(b"\\Seen", b" ".join(x if isinstance(x, bytes) else x[0] for x in data))
        # STORE seen by a second session on NOOP
        m2 = self.client()
        m2.select("Work")
        typ, data = m.uid("STORE", "2", "+FLAGS", "(\\Deleted $Important)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Deleted", data[0])
        typ, data = m2.noop()
        fetches = m2.untagged_responses.get("FETCH", [])
        self.assertTrue(any(b"\\Deleted" in f for f in fetches), (data, fetches))
        # COPY and MOVE with COPYUID
        m.create("Archive2")
        # imaplib drops the tagged response's text for UID COPY: read it directly.
        tag = m._command("UID", "COPY", "1:2", "Archive2")
        typ, data = m._command_complete("UID", tag)
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"\[COPYUID \d+ 1:2 1:2\]")
        typ, data = m.uid("MOVE", "3", "Archive2")
        self.assertEqual(typ, "OK")
        copyuid = [x for x in m.untagged_responses.get("OK", []) if b"COPYUID" in x]
        self.assertTrue(any(re.search(rb"COPYUID \d+ 3 3", x) for x in copyuid), copyuid)
        tag = m._command("UID", "COPY", "1", "NoSuchBox")
        typ, data = m._command_complete("UID", tag)
        self.assertIn(b"TRYCREATE", data[0])
        # EXPUNGE removes the \Deleted message; the other session learns it on NOOP
        typ, data = m.expunge()
        self.assertEqual(typ, "OK")
        # imaplib collects the EXPUNGE of the MOVE (seq 3) and of this EXPUNGE (seq 2)
        self.assertEqual(data, [b"3", b"2"])
        m2.noop()
        self.assertIn(b"2", m2.untagged_responses.get("EXPUNGE", [b""]))
        typ, data = m.status("Archive2", "(MESSAGES UIDNEXT)")
        self.assertIn(b"MESSAGES 3", data[0])
        # EXAMINE is read-only
        typ, data = m2.select("Archive2", readonly=True)
        self.assertEqual(typ, "OK")
        typ, data = m2.store("1", "+FLAGS", "(\\Seen)")
        self.assertEqual(typ, "NO")
        m2.logout()
        self.assertEqual(m.close()[0], "OK")
        m.logout()

    def test_2_differential_with_dovecot(self):
        try:
            from dovecot import Dovecot  # noqa: E402
        except ImportError:
            self.skipTest("no dovecot harness")
        if not os.path.exists("/usr/sbin/dovecot"):
            self.skipTest("dovecot not installed")
        m = self.client()
        m.create("Diff")
        for i, msg in enumerate(MESSAGES):
            m.append("Diff", "(\\Seen)" if i == 1 else None, None, msg)
        m.select("Diff")
        m.store("3", "+FLAGS", "(\\Answered)")
        ours = fetch_map(m, "1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
        m.logout()
        tmp = tempfile.mkdtemp(prefix="tegami-imap-diff-")
        try:
            os.chmod(tmp, 0o755)
            copy = os.path.join(tmp, "alice")
            shutil.copytree(self.root, copy, symlinks=True)
            with Dovecot(maildir_root=copy, user="alice", password="pw") as dc:
                r = imaplib.IMAP4("127.0.0.1", dc.imap_port, timeout=10)
                r.login("alice", "pw")
                r.select("Diff")
                theirs = fetch_map(r, "1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
                r.logout()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

        def norm(data):
            out = []
            for item in data:
                if isinstance(item, tuple):
                    head = item[0]
                    uid = re.search(rb"UID (\d+)", head).group(1)
                    flags = sorted(re.search(rb"FLAGS \(([^)]*)\)", head).group(1).split())
                    flags = [f for f in flags if f != b"\\Recent"]
                    size = re.search(rb"RFC822.SIZE (\d+)", head).group(1)
                    out.append((uid, flags, size, item[1]))
            return out
        self.assertEqual(norm(ours), norm(theirs))
        self.assertEqual(len(norm(ours)), 3)


if __name__ == "__main__":
    unittest.main()
