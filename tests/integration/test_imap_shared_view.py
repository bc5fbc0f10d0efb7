"""Sessions of one tegamid that select the same folder share one snapshot of its view
(maildir/view_registry.h); each must still see exactly the changes the others make, and the
changes of a program outside tegamid (a rename in cur/, an unlink, a delivery into new/ by
hand), with the right sequence numbers, and \\Recent given to exactly one session.

The folder's directories are backdated after each change, so that their stamps are "stable"
(maildir/dir_stamp.h) and the sessions really take the shared snapshot instead of listing the
folder again (the path a busy server takes a second after each change)."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from imap_raw import RawImap  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PASSWORD = "Secret 1"
DOMAIN = ("domain: example.com\nmax_accounts: 10\naccounts:\n"
          f"  - user: alice\n    password: \"{{PLAIN}}{PASSWORD}\"\n")
COUNT = 12


def message(i):
    return (f"From: a{i}@example.org\r\nSubject: m{i}\r\n\r\nbody {i}\r\n").encode()


class SharedView(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)

    def login(self):
        r = RawImap(self.d.port("imap"))
        _, st = r.command(f'LOGIN alice@example.com "{PASSWORD}"')
        self.assertIn(b" OK ", st)
        self.addCleanup(r.close)
        return r

    def inbox(self):
        return os.path.join(self.d.dir, "var", "mail", "example.com", "alice")

    def settle(self):
        """Backdates new/, cur/ and dovecot-uidlist by 10 s: their stamps become stable."""
        t = time.time() - 10
        for p in ("new", "cur", "dovecot-uidlist"):
            path = os.path.join(self.inbox(), p)
            if os.path.exists(path):
                os.utime(path, (t, t))

    def uid_to_file(self):
        """UID -> file name in cur/, from dovecot-uidlist and a listing."""
        by_base = {}
        with open(os.path.join(self.inbox(), "dovecot-uidlist"), encoding="ascii") as f:
            for line in f.read().splitlines()[1:]:
                uid, _, rest = line.partition(" ")
                base = rest[rest.index(":") + 1:] if ":" in rest else rest
                by_base[base] = int(uid)
        out = {}
        for name in os.listdir(os.path.join(self.inbox(), "cur")):
            base = name.split(":")[0]
            if base in by_base:
                out[by_base[base]] = name
        return out

    @staticmethod
    def fetch_all(r):
        untagged, st = r.command("FETCH 1:* (UID FLAGS)")
        assert b" OK " in st, st
        out = []
        for line in untagged:
            m = re.match(rb"\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)", line)
            if m:
                flags = sorted(f for f in m.group(3).decode().split() if f != "\\Recent")
                out.append((int(m.group(1)), int(m.group(2)), flags))
        return out

    def test_sessions_sharing_a_folder_see_each_others_and_outside_changes(self):
        w = self.login()
        for i in range(COUNT):
            n, data = w.n + 1, message(i)
            w.n = n
            w.sock.sendall(b"p%d APPEND INBOX {%d+}\r\n" % (n, len(data)) + data + b"\r\n")
            while not w.response().startswith(b"p%d " % n):
                pass
        self.settle()
        a, b = self.login(), self.login()
        for s in (a, b):
            untagged, st = s.command("SELECT INBOX")
            self.assertIn(b" OK ", st)
            self.assertIn(b"* %d EXISTS\r\n" % COUNT, untagged)
        before = self.fetch_all(a)
        self.assertEqual(before, self.fetch_all(b))
        self.assertEqual(len(before), COUNT)
        uids = [u for _, u, _ in before]

        # a changes flags; once the folder settled, b hears of it (from the published view).
        _, st = a.command("STORE 3 +FLAGS.SILENT (\\Flagged)")
        self.assertIn(b" OK ", st)
        self.settle()
        a.command("NOOP")
        untagged, _ = b.command("NOOP")
        self.assertEqual([x for x in untagged if b"FETCH" in x],
                         [b"* 3 FETCH (UID %d FLAGS (\\Flagged))\r\n" % uids[2]])

        # b changes flags and is heard by a at once (the folder not settled yet).
        b.command("STORE 4 +FLAGS.SILENT (\\Answered)")
        untagged, _ = a.command("NOOP")
        self.assertEqual([x for x in untagged if b"FETCH" in x],
                         [b"* 4 FETCH (UID %d FLAGS (\\Answered))\r\n" % uids[3]])

        # a expunges message 5; b hears "* 5 EXPUNGE".
        a.command("STORE 5 +FLAGS.SILENT (\\Deleted)")
        untagged, _ = a.command("EXPUNGE")
        self.assertIn(b"* 5 EXPUNGE\r\n", untagged)
        self.settle()
        untagged, _ = b.command("NOOP")
        self.assertIn(b"* 5 EXPUNGE\r\n", untagged)
        self.assertEqual(self.fetch_all(a), self.fetch_all(b))

        # A program outside tegamid: marks UID uids[0] seen by a rename in cur/, deletes the
        # file of uids[7], delivers a new message into new/.
        files = self.uid_to_file()
        cur = os.path.join(self.inbox(), "cur")
        name = files[uids[0]]
        base, _, info = name.partition(":2,")
        os.rename(os.path.join(cur, name),
                  os.path.join(cur, base + ":2," + "".join(sorted(info + "S"))))
        os.unlink(os.path.join(cur, files[uids[7]]))
        with open(os.path.join(self.inbox(), "tmp", "1700000000.Mhand.host"), "wb") as f:
            f.write(message(99))
        os.rename(os.path.join(self.inbox(), "tmp", "1700000000.Mhand.host"),
                  os.path.join(self.inbox(), "new", "1700000000.Mhand.host"))
        self.settle()
        recents = []
        for s in (a, b):
            untagged, st = s.command("NOOP")
            self.assertIn(b" OK ", st)
            # uids[7] was sequence 8; after the expunge of 5 it is 7.
            self.assertIn(b"* 7 EXPUNGE\r\n", untagged)
            self.assertIn(b"* %d EXISTS\r\n" % (COUNT - 1), untagged)
            self.assertIn(b"* 1 FETCH (UID %d FLAGS (\\Seen))\r\n" % uids[0], untagged)
            recent = [int(m.group(1)) for x in untagged
                      for m in [re.match(rb"\* (\d+) RECENT", x)] if m]
            recents.append(recent[-1] if recent else 0)
        self.assertEqual(sorted(recents), [0, 1])  # \Recent for exactly one session
        self.settle()
        view_a, view_b = self.fetch_all(a), self.fetch_all(b)
        self.assertEqual(view_a, view_b)
        c = self.login()
        untagged, st = c.command("EXAMINE INBOX")
        self.assertIn(b"* %d EXISTS\r\n" % (COUNT - 1), untagged)
        self.assertEqual(self.fetch_all(c), view_a)
        expect = [u for u in uids if u not in (uids[4], uids[7])]
        self.assertEqual([u for _, u, _ in view_a][:-1], expect)
        self.assertGreater(view_a[-1][1], uids[-1])
        flags = {u: f for _, u, f in view_a}
        self.assertEqual(flags[uids[0]], ["\\Seen"])
        self.assertEqual(flags[uids[2]], ["\\Flagged"])
        self.assertEqual(flags[uids[3]], ["\\Answered"])


if __name__ == "__main__":
    unittest.main()
