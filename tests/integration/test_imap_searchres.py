"""SEARCHRES (RFC 5182) and WITHIN (RFC 5032) against the real tegamid: SEARCH/UID SEARCH
RETURN (SAVE ...), `$` in FETCH, STORE, COPY, MOVE, SEARCH, SORT, UID EXPUNGE and their UID
forms; what SAVE keeps with MIN/MAX; `$` emptied by a failing (NO) search, kept by a BAD one,
reset by SELECT/EXAMINE/CLOSE/UNSELECT; expunged messages dropping out; "1,$" is BAD; the RFC's
pipelined examples (SEARCH ... SAVE and FETCH $ sent together); OLDER/YOUNGER on internal dates
relative to now. Then the same command script against Debian's Dovecot on a copy of the
Maildir: the untagged answers and the tagged status must be identical."""
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from imap_raw import RawImap  # noqa: E402
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PLAN_EXTRA = plan_yaml()
DOMAIN = domain_yaml(("alice",))

HOURS = [1, 2, 3, 5, 8, 30, 50, 100]  # message i+1 arrived HOURS[i] hours ago


def message(i):
    return (f"From: a{i}@example.org\r\nTo: alice@example.com\r\nSubject: note {i}\r\n"
            f"Date: Mon, 0{1 + i % 8} Jan 2024 10:00:00 +0000\r\n\r\nbody {i}\r\n").encode()


def imap_date(t):
    return time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(t))


# Run in order after "SELECT INBOX"; the answers are compared with Dovecot's.
SCRIPT = [
    "FETCH $ UID",                          # nothing saved yet: empty, OK
    "SEARCH RETURN (SAVE) SEEN",            # SAVE alone: no untagged answer
    "FETCH $ UID",
    "UID FETCH $ UID",
    "SEARCH RETURN (SAVE MIN) ALL",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE MAX) UNSEEN",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE MIN MAX) ALL",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE MIN COUNT) ALL",
    "FETCH $ UID",
    "UID SEARCH RETURN (SAVE ALL) UNSEEN",
    "SEARCH $",
    "UID SEARCH UID $",
    "SEARCH NOT $ SEEN",
    "SORT (REVERSE ARRIVAL) UTF-8 $",
    "SEARCH RETURN (SAVE) BOGUSKEY",        # BAD: $ keeps its value
    "FETCH $ UID",
    "SEARCH RETURN (SAVE) CHARSET X-NONE SUBJECT x",  # NO: $ is empty
    "FETCH $ UID",
    "SEARCH RETURN (SAVE) SUBJECT nothing-matches",
    "FETCH $ UID",
    "FETCH 1,$ UID",                        # $ stands alone
    "SEARCH OLDER 14400",
    "SEARCH YOUNGER 14400",
    "UID SEARCH YOUNGER 200000 OLDER 20000",
    "SEARCH OLDER 0",
    "SEARCH RETURN (COUNT) OLDER 1",
    "SEARCH RETURN (SAVE) YOUNGER 14400",
    "STORE $ +FLAGS.SILENT (\\Flagged)",
    "SEARCH FLAGGED",
    "COPY $ Other",
    "UID SEARCH RETURN (SAVE) 2:3",
    "UID STORE $ +FLAGS.SILENT (\\Deleted)",
    "UID EXPUNGE $",
    "FETCH $ UID",                          # expunged ones dropped out
    "SEARCH RETURN (SAVE) 1:2",
    "MOVE $ Other",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE) ALL",
    "SELECT Other",
    "FETCH $ UID",                          # reset by SELECT
    "SEARCH RETURN (SAVE) ALL",
    "UNSELECT",
    "EXAMINE Other",
    "FETCH $ UID",                          # reset by UNSELECT / EXAMINE
]


def expunged_positions(lines):
    """The sequence numbers (before the command) the `* n EXPUNGE` lines remove: servers may
    send them in any order (tegami ascending, renumbering as it goes; Dovecot descending)."""
    alive = list(range(1, 1000))
    gone = []
    for line in lines:
        m = re.match(rb"\* (\d+) EXPUNGE", line)
        if m:
            gone.append(alive.pop(int(m.group(1)) - 1))
    return sorted(gone)


def normalise(untagged, status):
    # \Recent and the RECENT counts follow each server's own claims; timing texts differ.
    lines = [re.sub(rb" \\Recent", b"", u) for u in untagged if not re.match(rb"\* \d+ RECENT", u)]
    lines = [l for l in lines if not l.startswith(b"* OK [")]
    lines = [re.sub(rb"\(TAG \"[^\"]*\"\) ", b"", l) for l in lines]
    gone = expunged_positions(lines)
    if gone:
        lines = [l for l in lines if not re.match(rb"\* \d+ EXPUNGE", l)]
        lines.append(b"expunged " + b",".join(b"%d" % n for n in gone))
    return lines, status.split()[1]


class SearchRes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        cls.now = time.time()
        r = cls.login(cls)
        _, st = r.command("CREATE Other")
        assert b"OK" in st, st
        for i, h in enumerate(HOURS):
            data = message(i + 1)
            flags = b"(\\Seen) " if i % 3 == 0 else b""
            r.sock.sendall(b'a%d APPEND INBOX %s"%s" {%d+}\r\n' % (
                i, flags, imap_date(cls.now - h * 3600).encode(), len(data)) + data + b"\r\n")
            line = r.response()
            assert line.startswith(b"a%d OK" % i), line
        r.close()
        cls.copy_dir = tempfile.mkdtemp(prefix="tegami-searchres-")
        os.chmod(cls.copy_dir, 0o755)
        cls.copy = os.path.join(cls.copy_dir, "alice")
        shutil.copytree(cls.root, cls.copy, symlinks=True)  # before the tests change anything
        cls.addClassCleanup(shutil.rmtree, cls.copy_dir, True)

    def login(self):
        r = RawImap(self.d.port("imap"))
        _, st = r.command(f'LOGIN alice@example.com "{PASSWORD}"')
        assert b"OK" in st, st
        return r

    def test_1_capabilities(self):
        r = self.login()
        caps = r.command("CAPABILITY")[0][0].split()
        self.assertIn(b"SEARCHRES", caps)
        self.assertIn(b"WITHIN", caps)
        self.assertIn(b"ESEARCH", caps)  # SEARCHRES requires it (RFC 5182 section 2)
        r.close()

    def test_2_rfc_pipelined_examples(self):
        """RFC 5182 2.2 / 2.4: SEARCH ... SAVE and commands using $ pipelined in one write."""
        r = self.login()
        r.command("EXAMINE INBOX")
        r.sock.sendall(b"A282 SEARCH RETURN (SAVE) UNSEEN NOT FROM a2\r\n"
                       b"A283 FETCH $ (UID)\r\n"
                       b"A284 UID SEARCH RETURN (SAVE MIN) $ SMALLER 100000\r\n"
                       b"A285 UID FETCH $ (UID)\r\n")
        got = []
        while not got or not got[-1].startswith(b"A285 "):
            got.append(r.response())
        self.assertEqual(got[0][:8], b"A282 OK ")  # SAVE alone: no ESEARCH, no SEARCH
        fetched = [int(m.group(1)) for m in (re.match(rb"\* \d+ FETCH \(UID (\d+)\)", g)
                                             for g in got) if m]
        unseen_not_a2 = [3, 5, 6, 8]  # \Seen on 1, 4, 7; message 2 is from a2
        self.assertEqual(fetched, unseen_not_a2 + [3])
        self.assertIn(b'* ESEARCH (TAG "A284") UID MIN 3\r\n', got)
        r.close()

    def test_3_script_against_expectations(self):
        r = self.login()
        out = self.run_script(r)
        r.close()
        ans = {cmd: out[k] for k, cmd in enumerate(SCRIPT)}
        uids = lambda lines: [int(m.group(1)) for m in (re.search(rb"UID (\d+)", l) for l in lines) if m]
        self.assertEqual(out[0], ([], b"OK"))
        self.assertEqual(out[1], ([], b"OK"))
        self.assertEqual(uids(out[2][0]), [1, 4, 7])
        self.assertEqual(uids(out[5][0]), [1])           # SAVE MIN keeps the minimum
        self.assertEqual(uids(out[7][0]), [8])           # SAVE MAX
        self.assertEqual(uids(out[9][0]), [1, 8])        # SAVE MIN MAX
        self.assertEqual(uids(out[11][0]), list(range(1, 9)))  # with COUNT: everything
        self.assertEqual(out[13][0], [b"* SEARCH 2 3 5 6 8\r\n"])
        self.assertEqual(out[15][0], [b"* SEARCH 1 4 7\r\n"])
        self.assertEqual(out[17][1], b"BAD")
        self.assertEqual(uids(out[18][0]), [2, 3, 5, 6, 8])  # BAD left $ as it was
        self.assertEqual(out[19][1], b"NO")
        self.assertEqual(out[20], ([], b"OK"))           # NO emptied it
        self.assertEqual(out[23][1], b"BAD")
        self.assertEqual(ans["SEARCH OLDER 14400"][0], [b"* SEARCH 4 5 6 7 8\r\n"])
        self.assertEqual(ans["SEARCH YOUNGER 14400"][0], [b"* SEARCH 1 2 3\r\n"])
        self.assertEqual(ans["UID SEARCH YOUNGER 200000 OLDER 20000"][0], [b"* SEARCH 5 6 7\r\n"])
        self.assertEqual(ans["SEARCH OLDER 0"][1], b"BAD")
        self.assertEqual(ans["SEARCH FLAGGED"][0], [b"* SEARCH 1 2 3\r\n"])
        self.assertEqual(ans["COPY $ Other"][1], b"OK")
        # UID EXPUNGE $ removed UIDs 2 and 3 (sequence 2 and 3), FETCH $ then finds none.
        self.assertEqual(ans["UID EXPUNGE $"][0], [b"expunged 2,3"])
        self.assertEqual(out[SCRIPT.index("UID EXPUNGE $") + 1], ([], b"OK"))
        self.assertEqual(out[SCRIPT.index("SELECT Other") + 1], ([], b"OK"))
        self.assertEqual(out[-1], ([], b"OK"))
        # The mailbox as the script left it: 1 and 4 moved to Other, 2 and 3 expunged.
        r = self.login()
        r.command("EXAMINE INBOX")
        self.assertEqual(r.command("UID SEARCH ALL")[0], [b"* SEARCH 5 6 7 8\r\n"])
        r.command("EXAMINE Other")
        self.assertEqual(r.command("SEARCH ALL")[0], [b"* SEARCH 1 2 3 4 5\r\n"])
        r.close()

    def run_script(self, r):
        out = []
        untagged, st = r.command("SELECT INBOX")
        assert b"OK" in st, st
        for cmd in SCRIPT:
            untagged, st = r.command(cmd)
            out.append(normalise(untagged, st))
        return out

    def test_4_differential_with_dovecot(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            self.skipTest("dovecot not installed")
        from dovecot import Dovecot  # noqa: E402
        # Both servers start from the same Maildir (copied before test 3 changed tegami's).
        ours_dir = tempfile.mkdtemp(prefix="tegami-searchres-ours-")
        self.addCleanup(shutil.rmtree, ours_dir, True)
        shutil.rmtree(self.root)
        shutil.copytree(self.copy, self.root, symlinks=True)
        r = self.login()
        ours = self.run_script(r)
        r.close()
        theirs_root = os.path.join(ours_dir, "alice")
        shutil.copytree(self.copy, theirs_root, symlinks=True)
        os.chmod(ours_dir, 0o755)
        with Dovecot(maildir_root=theirs_root, user="alice", password="pw") as dc:
            c = RawImap(dc.imap_port)
            c.command("LOGIN alice pw")
            theirs = self.run_script(c)
            c.close()
        diffs = [f"{cmd}:\n  tegami  {ours[k]}\n  dovecot {theirs[k]}"
                 for k, cmd in enumerate(SCRIPT) if ours[k] != theirs[k]]
        self.assertEqual(diffs, [], "\n".join(diffs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
