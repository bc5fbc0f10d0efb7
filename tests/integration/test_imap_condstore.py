"""CONDSTORE and QRESYNC (RFC 7162) against the real tegamid, following the RFC's examples:
capabilities, ENABLE, SELECT (CONDSTORE) with HIGHESTMODSEQ, FETCH MODSEQ, STORE
(UNCHANGEDSINCE) with [MODIFIED], FETCH (CHANGEDSINCE), SEARCH MODSEQ with (MODSEQ n),
STATUS HIGHESTMODSEQ, untagged FETCH with MODSEQ for another session's change, SELECT (QRESYNC)
with VANISHED (EARLIER) and FETCH of changed flags, UID FETCH (CHANGEDSINCE VANISHED),
VANISHED instead of EXPUNGE and EXPUNGE's OK [HIGHESTMODSEQ], [CLOSED]; a flag change made by
renaming the file (as mutt does) and a file deleted behind tegami's back get newer modseqs;
deleting tegami-modseq keeps HIGHESTMODSEQ growing; imapflow (npm) resyncs with QRESYNC."""
import json
import poplib
import os
import re
import shutil
import socket
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from imapflow_install import imapflow_dir  # noqa: E402
from tegamid import Tegamid  # noqa: E402

BUILD = os.environ.get("TEGAMI_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
PLAN_EXTRA = plan_yaml()
LISTENERS = [
    ("imap", "imap", "starttls", {"allow_plaintext_auth": "true"}),
    ("imaps", "imap", "implicit"),
    ("pop3", "pop3", "starttls", {"allow_plaintext_auth": "true"}),
]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]


def message(i):
    return (f"From: a{i}@example.org\r\nTo: x@example.com\r\nSubject: m{i}\r\n"
            f"Message-ID: <c{i}@example.org>\r\n\r\nbody {i}\r\n").encode()


class Raw:
    """A line-based IMAP client: command() returns (untagged lines, tagged line) as text."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.f = self.sock.makefile("rb")
        self.n = 0
        self.f.readline()

    def close(self):
        self.sock.close()

    def command(self, text, literal=None):
        self.n += 1
        tag = f"t{self.n}"
        data = f"{tag} {text}".encode()
        if literal is not None:
            data += b" {%d+}\r\n" % len(literal) + literal
        self.sock.sendall(data + b"\r\n")
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError(text)
            s = line.decode("utf-8", "replace").rstrip("\r\n")
            if s.startswith(tag + " "):
                return lines, s[len(tag) + 1:]
            lines.append(s)

    def ok(self, text, literal=None):
        lines, tagged = self.command(text, literal)
        if not tagged.startswith("OK"):
            raise AssertionError(f"{text} -> {tagged} ({lines})")
        return lines, tagged


def highest(lines):
    for l in lines:
        m = re.search(r"\[HIGHESTMODSEQ (\d+)\]", l)
        if m:
            return int(m.group(1))
    return None


def modseqs(lines):
    """{uid: modseq} from FETCH lines that carry both."""
    out = {}
    for l in lines:
        u = re.search(r"UID (\d+)", l)
        m = re.search(r"MODSEQ \((\d+)\)", l)
        if u and m:
            out[int(u.group(1))] = int(m.group(1))
    return out


class CondstoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid(LISTENERS, domains={"example.com.yaml": domain_yaml(USERS, max_accounts=20)},
                        main_extra=PLAN_EXTRA, hostname="localhost")
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def maildir(self, user):
        return os.path.join(self.d.dir, "var", "mail", "example.com", user)

    def login(self, user, count=0):
        c = Raw(self.d.port("imap"))
        self.addCleanup(c.close)
        c.ok(f"LOGIN {user}@example.com \"{PASSWORD}\"")
        for i in range(count):
            c.ok("APPEND INBOX", message(i))
        return c

    def test_capabilities_and_enable(self):
        c = self.login("alice")
        lines, _ = c.ok("CAPABILITY")
        caps = lines[0].split()
        self.assertIn("CONDSTORE", caps)
        self.assertIn("QRESYNC", caps)
        lines, _ = c.ok("ENABLE CONDSTORE")
        self.assertEqual(lines, ["* ENABLED CONDSTORE"])
        lines, _ = c.ok("ENABLE QRESYNC X-UNKNOWN")
        self.assertEqual(lines, ["* ENABLED QRESYNC"])

    def test_condstore_rfc_examples(self):
        c = self.login("bob", 4)
        # SELECT (CONDSTORE): HIGHESTMODSEQ in an untagged OK (RFC 7162 3.1.2.1).
        lines, _ = c.ok("SELECT INBOX (CONDSTORE)")
        h0 = highest(lines)
        self.assertIsNotNone(h0)
        self.assertNotIn("NOMODSEQ", " ".join(lines))
        lines, _ = c.ok("FETCH 1:* (UID FLAGS MODSEQ)")
        ms = modseqs(lines)
        self.assertEqual(len(ms), 4)
        self.assertTrue(all(0 < m <= h0 for m in ms.values()))

        # STORE: the answer carries the new MODSEQ, above the old HIGHESTMODSEQ.
        lines, _ = c.ok("STORE 1 +FLAGS (\\Flagged)")
        self.assertEqual(len(lines), 1)
        m = re.match(r"\* 1 FETCH \(FLAGS \(\\Flagged\) MODSEQ \((\d+)\)\)", lines[0])
        self.assertTrue(m, lines)
        m1 = int(m.group(1))
        self.assertGreater(m1, h0)

        # STORE (UNCHANGEDSINCE): message 1 changed after h0 -> MODIFIED 1; 2 and 3 stored
        # silently, each reported with its new MODSEQ only (RFC 7162 3.1.3 example 8).
        lines, tagged = c.ok(f"STORE 1:3 (UNCHANGEDSINCE {h0}) +FLAGS.SILENT (\\Deleted)")
        self.assertIn("[MODIFIED 1]", tagged)
        self.assertEqual(len(lines), 2)
        for l in lines:
            self.assertRegex(l, r"^\* [23] FETCH \(MODSEQ \(\d+\)\)$")
        lines, _ = c.ok("FETCH 1:3 (FLAGS)")
        self.assertNotIn("\\Deleted", lines[0])
        self.assertIn("\\Deleted", lines[1])
        self.assertIn("\\Deleted", lines[2])
        # UNCHANGEDSINCE 0 always fails (3.1.3); UID STORE reports UIDs.
        lines, tagged = c.ok("UID STORE 4 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)")
        self.assertIn("[MODIFIED 4]", tagged)
        self.assertEqual(lines, [])

        # FETCH (CHANGEDSINCE): only the messages changed since, with MODSEQ (3.1.4.1).
        lines, _ = c.ok(f"FETCH 1:* (UID FLAGS) (CHANGEDSINCE {h0})")
        self.assertEqual(sorted(modseqs(lines)), [1, 2, 3])
        lines, _ = c.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {m1})")
        self.assertEqual(sorted(modseqs(lines)), [2, 3])

        # SEARCH MODSEQ (3.1.5): matches and the highest modseq among them.
        lines, _ = c.ok(f"SEARCH MODSEQ {m1 + 1}")
        m = re.match(r"\* SEARCH 2 3 \(MODSEQ (\d+)\)$", lines[0])
        self.assertTrue(m, lines)
        top = int(m.group(1))
        lines, _ = c.ok(f"SEARCH MODSEQ \"/flags/\\\\draft\" all {m1}")
        self.assertTrue(lines[0].startswith("* SEARCH 1 2 3 (MODSEQ"), lines)
        lines, _ = c.ok(f"UID SEARCH RETURN (ALL) MODSEQ {m1}")
        self.assertEqual(lines[0], f"* ESEARCH (TAG \"t{c.n}\") UID ALL 1:3 MODSEQ {top}")
        lines, _ = c.ok(f"SEARCH MODSEQ {top + 1}")
        self.assertEqual(lines[0], "* SEARCH")

        # STATUS HIGHESTMODSEQ equals the largest modseq given.
        lines, _ = c.ok("STATUS INBOX (HIGHESTMODSEQ MESSAGES)")
        self.assertIn(f"HIGHESTMODSEQ {top}", lines[0])

        # EXPUNGE with CONDSTORE: OK [HIGHESTMODSEQ n] above everything before (3.2.10).
        lines, tagged = c.ok("EXPUNGE")
        self.assertEqual(lines, ["* 2 EXPUNGE", "* 2 EXPUNGE"])
        self.assertRegex(tagged, r"^OK \[HIGHESTMODSEQ \d+\]")
        self.assertGreater(highest([tagged]), top)

    def test_changes_by_others_and_by_files(self):
        c = self.login("carol", 3)
        lines, _ = c.ok("SELECT INBOX (CONDSTORE)")
        h0 = highest(lines)
        # Another session's STORE: an untagged FETCH with FLAGS and MODSEQ at our NOOP.
        o = self.login("carol")
        o.ok("SELECT INBOX")
        o.ok("STORE 2 +FLAGS (\\Answered)")
        lines, _ = c.ok("NOOP")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^\* 2 FETCH \(UID 2 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)$")
        m2 = modseqs(lines)[2]
        self.assertGreater(m2, h0)
        # The same in IDLE: the change arrives while idling, with its MODSEQ.
        c.n += 1
        c.sock.sendall(b"t%d IDLE\r\n" % c.n)
        self.assertTrue(c.f.readline().startswith(b"+"))
        o.ok("STORE 3 +FLAGS (\\Seen)")
        line = c.f.readline().decode().rstrip("\r\n")
        self.assertRegex(line, r"^\* 3 FETCH \(UID 3 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$")
        self.assertGreater(modseqs([line])[3], m2)
        c.sock.sendall(b"DONE\r\n")
        self.assertTrue(c.f.readline().startswith(b"t%d OK" % c.n))
        m2 = modseqs([line])[3]

        # mutt changes flags by renaming the file: a newer MODSEQ, seen at the next NOOP and
        # by FETCH (CHANGEDSINCE) in a new session.
        cur = os.path.join(self.maildir("carol"), "cur")
        target = None
        for f in os.listdir(cur):
            with open(os.path.join(cur, f), "rb") as fh:
                if re.search(rb"Subject: m0\r?\n", fh.read(200)):
                    target = f
        self.assertIsNotNone(target)
        base, info = target.split(":2,")
        os.rename(os.path.join(cur, target), os.path.join(cur, base + ":2," + "FS"))
        lines, _ = c.ok("NOOP")
        ms = modseqs(lines)
        self.assertEqual(list(ms), [1], lines)
        self.assertGreater(ms[1], m2)
        n = self.login("carol")
        n.ok("SELECT INBOX (CONDSTORE)")
        lines, _ = n.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {m2})")
        self.assertEqual(modseqs(lines), ms)
        self.assertIn("\\Flagged", lines[0])

        # A file deleted behind tegami's back: QRESYNC learns it as VANISHED (EARLIER).
        lines, _ = n.ok("STATUS INBOX (HIGHESTMODSEQ)")
        before = int(re.search(r"HIGHESTMODSEQ (\d+)", lines[0]).group(1))
        for f in os.listdir(cur):
            with open(os.path.join(cur, f), "rb") as fh:
                if b"Subject: m2" in fh.read(200):
                    os.unlink(os.path.join(cur, f))
        q = self.login("carol")
        q.ok("ENABLE QRESYNC")
        lines, _ = q.ok("SELECT INBOX")
        uv = re.search(r"UIDVALIDITY (\d+)", " ".join(lines)).group(1)
        lines, _ = q.ok(f"SELECT INBOX (QRESYNC ({uv} {before}))")
        self.assertIn("* OK [CLOSED] Previous mailbox is now closed.", lines)
        self.assertIn("* VANISHED (EARLIER) 3", lines)
        self.assertGreater(highest(lines), before)
        self.assertEqual(modseqs(lines), {})  # no flag changed since `before`

    def test_qresync_select_and_vanished(self):
        c = self.login("dave", 6)
        c.ok("ENABLE QRESYNC")
        lines, _ = c.ok("SELECT INBOX")
        uv = int(re.search(r"UIDVALIDITY (\d+)", " ".join(lines)).group(1))
        h0 = highest(lines)
        self.assertIsNotNone(h0)  # QRESYNC enabled implies CONDSTORE
        # Changes while the client is away: 2 and 5 expunged, 3 flagged.
        o = self.login("dave")
        o.ok("SELECT INBOX")
        o.ok("STORE 2,5 +FLAGS (\\Deleted)")
        o.ok("EXPUNGE")
        o.ok("STORE 2 +FLAGS (\\Flagged)")  # sequence 2 is UID 3 now
        c.ok("UNSELECT")
        # RFC 7162 3.2.5.2 example: SELECT with QRESYNC gives VANISHED (EARLIER) and FETCH.
        lines, tagged = c.ok(f"SELECT INBOX (QRESYNC ({uv} {h0} 1:6))")
        self.assertTrue(tagged.startswith("OK [READ-WRITE]"))
        self.assertIn("* VANISHED (EARLIER) 2,5", lines)
        fetches = [l for l in lines if " FETCH " in l]
        self.assertEqual(len(fetches), 1, lines)
        self.assertRegex(fetches[0],
                         r"^\* 2 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$")
        # VANISHED comes after HIGHESTMODSEQ and before the FETCH.
        iv = lines.index("* VANISHED (EARLIER) 2,5")
        self.assertLess([i for i, l in enumerate(lines) if "HIGHESTMODSEQ" in l][0], iv)
        self.assertLess(iv, lines.index(fetches[0]))
        # known-uids limit VANISHED; a wrong UIDVALIDITY gives a plain SELECT.
        lines, _ = c.ok(f"SELECT INBOX (QRESYNC ({uv} {h0} 3:4))")
        self.assertFalse([l for l in lines if "VANISHED" in l])
        lines, _ = c.ok(f"EXAMINE INBOX (QRESYNC ({uv + 1} {h0}))")
        self.assertFalse([l for l in lines if "VANISHED" in l or " FETCH " in l])
        c.ok("SELECT INBOX")

        # UID FETCH (CHANGEDSINCE VANISHED) (3.2.6).
        lines, _ = c.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {h0} VANISHED)")
        self.assertEqual(lines[0], "* VANISHED (EARLIER) 2,5")
        self.assertEqual(list(modseqs(lines)), [3])

        # Expunges reach a QRESYNC session as VANISHED, in NOOP and in its own EXPUNGE.
        o.ok("STORE 1 +FLAGS (\\Deleted)")
        o.ok("EXPUNGE")
        lines, _ = c.ok("NOOP")
        self.assertIn("* VANISHED 1", lines)
        self.assertFalse([l for l in lines if l.endswith(" EXPUNGE")])
        c.ok("UID STORE 6 +FLAGS.SILENT (\\Deleted)")
        lines, tagged = c.ok("UID EXPUNGE 6")
        self.assertEqual(lines, ["* VANISHED 6"])
        self.assertRegex(tagged, r"^OK \[HIGHESTMODSEQ \d+\]")
        # UID MOVE reports the moved messages as VANISHED too (RFC 6851 with QRESYNC).
        c.ok("CREATE Kept")
        lines, _ = c.ok("UID MOVE 4 Kept")
        self.assertIn("* VANISHED 4", lines)
        self.assertFalse([l for l in lines if l.endswith(" EXPUNGE")])
        # SORT takes the MODSEQ key as SEARCH does.
        lines, _ = c.ok(f"UID SORT (ARRIVAL) UTF-8 MODSEQ {h0 + 1}")
        self.assertRegex(lines[0], r"^\* SORT 3 \(MODSEQ \d+\)$")

    def test_pop3_mark_seen_gets_a_modseq(self):
        c = self.login("gina", 2)
        lines, _ = c.ok("SELECT INBOX (CONDSTORE)")
        h0 = highest(lines)
        c.ok("STORE 2 +FLAGS.SILENT (\\Seen)")
        lines, _ = c.ok("FETCH 2 (MODSEQ)")
        before = int(re.search(r"MODSEQ \((\d+)\)", lines[0]).group(1))
        # A POP3 session reads message 1 and QUITs: tegami's POP3 sets \Seen (a rename).
        p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=15)
        p.user("gina@example.com")
        p.pass_(PASSWORD)
        p.retr(1)
        p.quit()
        lines, _ = c.ok("NOOP")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$")
        self.assertGreater(modseqs(lines)[1], before)
        self.assertGreater(before, h0)

    def test_errors(self):
        c = self.login("erin", 1)
        _, tagged = c.command("SELECT INBOX (QRESYNC (1 1))")
        self.assertTrue(tagged.startswith("BAD"), tagged)  # QRESYNC not enabled
        c.ok("SELECT INBOX")
        _, tagged = c.command("FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        self.assertTrue(tagged.startswith("BAD"), tagged)
        _, tagged = c.command("FETCH 1 (FLAGS) (CHANGEDSINCE x)")
        self.assertTrue(tagged.startswith("BAD"), tagged)
        _, tagged = c.command("STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)")
        self.assertTrue(tagged.startswith("BAD"), tagged)
        _, tagged = c.command("SEARCH MODSEQ")
        self.assertTrue(tagged.startswith("BAD"), tagged)

    def test_lost_state_file_keeps_highestmodseq_growing(self):
        c = self.login("frank", 3)
        c.ok("SELECT INBOX (CONDSTORE)")
        c.ok("STORE 1:3 +FLAGS (\\Seen)")
        lines, _ = c.ok("STATUS INBOX (HIGHESTMODSEQ)")
        before = int(re.search(r"HIGHESTMODSEQ (\d+)", lines[0]).group(1))
        c.ok("UNSELECT")
        state = os.path.join(self.maildir("frank"), "tegami-modseq")
        self.assertTrue(os.path.exists(state))
        os.unlink(state)
        lines, _ = c.ok("SELECT INBOX (CONDSTORE)")
        after = highest(lines)
        self.assertGreater(after, before)
        lines, _ = c.ok("FETCH 1:* (MODSEQ)")
        self.assertTrue(all(m > before for m in
                            (int(x) for l in lines for x in re.findall(r"MODSEQ \((\d+)\)", l))))
        # Damaged: rebuilt, still growing.
        with open(state, "r+b") as f:
            f.write(b"garbage!")
        c.ok("UNSELECT")
        lines, _ = c.ok("SELECT INBOX (CONDSTORE)")
        self.assertGreater(highest(lines), after)

    @unittest.skipUnless(shutil.which("node") and shutil.which("npm"), "nodejs not installed")
    def test_imapflow_qresync(self):
        mod = imapflow_dir()
        c = self.login("alice", 3)
        c.ok("SELECT INBOX")
        env = dict(os.environ, NODE_PATH=os.path.join(mod, "node_modules"))
        script = os.path.join(HERE, "imapflow", "condstore.js")
        port = str(self.d.port("imaps"))

        def run(step, arg=""):
            r = subprocess.run(["node", script, port, "alice@example.com", PASSWORD, step, arg],
                               capture_output=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)

        first = run("first")
        self.assertIn("CONDSTORE", first["enabled"])
        self.assertIn("QRESYNC", first["enabled"])
        self.assertGreater(int(first["highestModseq"]), 0)
        # Changes while imapflow is away: one flag, one expunge.
        c.ok("STORE 1 +FLAGS (\\Flagged)")
        c.ok("STORE 2 +FLAGS (\\Deleted)")
        c.ok("EXPUNGE")
        second = run("again", json.dumps({"uidValidity": first["uidValidity"],
                                          "highestModseq": first["highestModseq"]}))
        self.assertEqual(second["vanished"], [2])
        self.assertEqual([m["uid"] for m in second["changed"]], [1])
        self.assertIn("\\Flagged", second["changed"][0]["flags"])
        self.assertGreater(int(second["highestModseq"]), int(first["highestModseq"]))


if __name__ == "__main__":
    unittest.main()
