"""IMAP SEARCH against the real tegamid (issue 6): every RFC 3501 key on a generated corpus
(search_corpus.py), differential against Debian's Dovecot on a copy of the same Maildir (the
UID sets must be identical, except entries of imap_search_allowlist.txt, each with its reason),
CHARSET handling (UTF-8, US-ASCII, ISO-2022-JP; NO [BADCHARSET (...)] for others), syntax errors
(BAD), and a long search that does not stall another session."""
import imaplib
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402
import search_corpus  # noqa: E402

PLAN_EXTRA = plan_yaml(mailbox_quota=200)
DOMAIN = domain_yaml(("alice",), quota=100)


class Raw:
    """A minimal IMAP client sending exact bytes (LITERAL+ literals) and reading line
    responses (enough for SEARCH, SELECT, LOGIN)."""

    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.n = 0
        self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, body):
        self.n += 1
        tag = b"r%d" % self.n
        self.sock.sendall(tag + b" " + body + b"\r\n")
        untagged = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return untagged, line[len(tag) + 1:]
            untagged.append(line)

    def search(self, program, uid=True):
        untagged, status = self.cmd((b"UID SEARCH " if uid else b"SEARCH ") + program)
        if not status.startswith(b"OK"):
            return status
        hits = [line for line in untagged if line.startswith(b"* SEARCH")]
        assert len(hits) == 1, untagged
        return sorted(int(x) for x in hits[0].split()[2:])

    def close(self):
        try:
            self.cmd(b"LOGOUT")
        except (OSError, EOFError):
            pass
        self.sock.close()


def load_allowlist():
    """{program label: reason}"""
    out = {}
    with open(os.path.join(HERE, "imap_search_allowlist.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            program, reason = line.split("\t", 1)
            assert reason.strip(), line
            out[program] = reason
    return out


class ImapSearch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        m = imaplib.IMAP4("127.0.0.1", cls.d.port("imap"), timeout=20)
        m.login("alice@example.com", PASSWORD)
        m.create("Corpus")
        for flags, date, data in search_corpus.corpus():
            typ, resp = m.append("Corpus", "(%s)" % flags if flags else None, '"%s"' % date,
                                 data)
            assert typ == "OK", resp
        m.logout()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def raw(self, box="Corpus"):
        r = Raw(self.d.port("imap"))
        _, st = r.cmd(b'LOGIN alice@example.com "%s"' % PASSWORD.encode())
        self.assertTrue(st.startswith(b"OK"), st)
        if box:
            _, st = r.cmd(b"SELECT " + box.encode())
            self.assertTrue(st.startswith(b"OK"), st)
        return r

    def run_programs(self, client):
        out = {}
        for p in search_corpus.PROGRAMS:
            out[search_corpus.label(p)] = client.search(search_corpus.wire(p))
        return out

    def test_1_every_key_answers(self):
        r = self.raw()
        ours = self.run_programs(r)
        n = len(search_corpus.corpus())
        for label, uids in ours.items():
            self.assertIsInstance(uids, list, (label, uids))
        self.assertEqual(ours["ALL"], list(range(1, n + 1)))
        # A few answers known from the corpus itself (the differential checks the rest).
        self.assertEqual(ours["SUBJECT 会議室"], [2, 3, 4])
        self.assertEqual(ours["BODY 会議室"], [2, 3, 4, 5])
        jis = search_corpus.label(["CHARSET", "ISO-2022-JP", "SUBJECT",
                                   search_corpus.Lit("会議室".encode("iso-2022-jp"))])
        self.assertEqual(ours[jis], [2, 3, 4])
        self.assertEqual(ours["BODY ㈱"], [6])
        self.assertEqual(ours["BODY mango"], [11])
        self.assertEqual(ours["BODY tamarind"], [15])
        self.assertEqual(ours["DELETED"], [13, 14])
        self.assertEqual(ours["SENTBEFORE 1-Jan-1980"], [13, 14])
        # sequence-number SEARCH answers sequence numbers
        self.assertEqual(r.search(b"UID 2:4", uid=False), [2, 3, 4])
        r.close()

    def test_2_differential_with_dovecot(self):
        try:
            from dovecot import Dovecot  # noqa: E402
        except ImportError:
            self.skipTest("no dovecot harness")
        if not os.path.exists("/usr/sbin/dovecot"):
            self.skipTest("dovecot not installed")
        r = self.raw()
        ours = self.run_programs(r)
        ours_state = {search_corpus.label(p): r.search(search_corpus.wire(p))
                      for p in search_corpus.STATE_PROGRAMS}
        r.close()
        tmp = tempfile.mkdtemp(prefix="tegami-search-diff-")
        try:
            os.chmod(tmp, 0o755)
            copy = os.path.join(tmp, "alice")
            shutil.copytree(self.root, copy, symlinks=True)
            with Dovecot(maildir_root=copy, user="alice", password="pw") as dc:
                c = Raw(dc.imap_port)
                c.cmd(b"LOGIN alice pw")
                _, st = c.cmd(b"SELECT Corpus")
                self.assertTrue(st.startswith(b"OK"), st)
                theirs = self.run_programs(c)
                theirs_state = {search_corpus.label(p): c.search(search_corpus.wire(p))
                                for p in search_corpus.STATE_PROGRAMS}
                c.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        allow = load_allowlist()
        diffs = []
        for label in ours:
            if ours[label] != theirs[label] and label not in allow:
                diffs.append(f"{label}: tegami {ours[label]} dovecot {theirs[label]}")
        self.assertEqual(diffs, [], "\n".join(diffs))
        stale = [label for label in allow if label in ours and ours[label] == theirs[label]]
        self.assertEqual(stale, [], "allow-list entries that no longer differ")
        # \Recent is per-server session state: tegami's first session (the one that appended)
        # saw the messages, a fresh Dovecot index makes them recent. Both must be consistent:
        # NEW = RECENT UNSEEN, OLD = NOT RECENT.
        for state in (ours_state, theirs_state):
            unseen = set(ours["UNSEEN"])
            self.assertEqual(state["NEW"], sorted(set(state["RECENT"]) & unseen))
            self.assertEqual(state["OLD"], sorted(set(ours["ALL"]) - set(state["RECENT"])))

    def test_3_charsets_and_errors(self):
        r = self.raw()
        _, st = r.cmd(b"SEARCH CHARSET X-UNKNOWN-CHARSET ALL")
        self.assertTrue(st.startswith(b"NO [BADCHARSET ("), st)
        self.assertIn(b"ISO-2022-JP", st)
        self.assertIn(b"UTF-8", st)
        for bad in (b"SEARCH FOO", b"SEARCH SUBJECT", b"SEARCH BEFORE 31-Feb-2023",
                    b"SEARCH OR SEEN", b"SEARCH " + b"NOT " * 100 + b"SEEN"):
            _, st = r.cmd(bad)
            self.assertTrue(st.startswith(b"BAD"), (bad, st))
        # still usable
        self.assertEqual(len(r.search(b"ALL")), len(search_corpus.corpus()))
        r.close()
        r = self.raw(box=None)
        _, st = r.cmd(b"SEARCH ALL")
        self.assertTrue(st.startswith(b"BAD"), st)
        r.close()

    def test_4_recent_in_the_selecting_session(self):
        # A message delivered into new/ is \Recent for the session that selects first.
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=20)
        m.login("alice@example.com", PASSWORD)
        m.create("Fresh")
        m.logout()
        folder = os.path.join(self.root, ".Fresh")
        name = "1700000000.M1P1.search"
        with open(os.path.join(folder, "new", name), "wb") as f:
            f.write(b"Subject: fresh\r\n\r\nnew mail\r\n")
        r = self.raw("Fresh")
        self.assertEqual(r.search(b"RECENT"), [1])
        self.assertEqual(r.search(b"NEW"), [1])
        self.assertEqual(r.search(b"OLD"), [])
        r.close()

    def test_5_long_search_does_not_stall_others(self):
        # 3,000 messages searched by BODY on one connection while another connection's NOOPs
        # keep being answered.
        folder = os.path.join(self.root, ".Big")
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=20)
        m.login("alice@example.com", PASSWORD)
        m.create("Big")
        m.logout()
        body = b"Subject: bulk %d\n\n" + b"some words of filler text\n" * 300
        for i in range(3000):
            with open(os.path.join(folder, "cur", "17000%05d.M%dP1.bulk:2,S" % (i, i)), "wb") as f:
                f.write(body % i + (b"needle\n" if i % 1000 == 7 else b""))
        searcher = self.raw("Big")
        other = self.raw("Corpus")
        result = {}

        def run():
            t0 = time.monotonic()
            result["hits"] = searcher.search(b"BODY needle")
            result["time"] = time.monotonic() - t0

        t = threading.Thread(target=run)
        t.start()
        noops = []
        while t.is_alive() and len(noops) < 200:
            t0 = time.monotonic()
            _, st = other.cmd(b"NOOP")
            noops.append(time.monotonic() - t0)
            self.assertTrue(st.startswith(b"OK"), st)
        t.join(timeout=120)
        self.assertFalse(t.is_alive())
        self.assertEqual(len(result["hits"]), 3)
        # The other session was answered during the search, each time quickly.
        self.assertGreater(len(noops), 0)
        self.assertLess(max(noops), 1.0, noops)
        searcher.close()
        other.close()


if __name__ == "__main__":
    unittest.main()
