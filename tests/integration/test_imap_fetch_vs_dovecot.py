"""FETCH through the real tegamid against Debian's Dovecot on a copy of the same Maildir
(issue 6): for a generated corpus (multipart/alternative, attachments, message/rfc822
forwards, nested messages, ISO-2022-JP and Shift_JIS mail, broken MIME, a 300 KB attachment
streamed from the file), UID FETCH of UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
BODYSTRUCTURE, BODY[section] for every section (.MIME/.HEADER/.TEXT/HEADER.FIELDS(.NOT)) and
partials must give byte-identical items, as must the macros ALL/FAST/FULL and the FLAGS that a
non-PEEK BODY[] fetch sets. Differences that are Dovecot's bugs would be listed in
fetch_vs_dovecot_allowlist.py with the reason; see there.
"""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from dovecot import Dovecot  # noqa: E402
from fetch_vs_dovecot_allowlist import ALLOWED  # noqa: E402
from imap_raw import RawImap, fetch_items  # noqa: E402
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402
from test_mime_vs_dovecot import corpus  # noqa: E402

PLAN_EXTRA = plan_yaml(mailbox_quota=500, protocols=("imap",))
DOMAIN = domain_yaml(("alice",), quota=500)

SECTIONS = ["", "HEADER", "TEXT", "1", "1.MIME", "1.HEADER", "1.TEXT", "1.1", "1.1.MIME", "1.2",
            "1.2.MIME", "2", "2.MIME", "2.HEADER", "2.TEXT", "2.1", "2.1.MIME", "2.2", "2.1.1",
            "3", "3.MIME", "3.HEADER", "3.TEXT", "3.1", "3.1.MIME", "3.2", "3.2.1", "4", "4.1",
            "HEADER.FIELDS (FROM SUBJECT)", "HEADER.FIELDS.NOT (FROM SUBJECT DATE)",
            "2.HEADER.FIELDS (SUBJECT)", "3.HEADER.FIELDS.NOT (CONTENT-TYPE)",
            "HEADER.FIELDS (X-NONE)"]
PARTIALS = ["<0.10>", "<7.100000>", "<100000.10>", "<3.1>"]


def extra_corpus():
    big = bytes(range(256)) * 1200  # 300 KB of binary, base64 on disk (~400 KB)
    import base64
    b64 = base64.encodebytes(big)
    att = (b"From: big@example.com\nSubject: big attachment\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\n"
           b"see attached\n--zz\nContent-Type: application/octet-stream; name=big.bin\n"
           b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; "
           b"filename=big.bin\n\n" + b64 + b"--zz--\n")
    fwd2 = (b"From: a@b\nSubject: Fwd: Fwd\nContent-Type: message/rfc822\n\n"
            b"From: c@d\nSubject: inner\nContent-Type: multipart/alternative; boundary=q\n\n"
            b"--q\nContent-Type: text/plain\n\nplain\n--q\nContent-Type: text/html\n\n"
            b"<i>html</i>\n--q--\n")
    return [("big_attachment", att), ("message_in_message", fwd2)]


def maildir_with(root, msgs):
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i, (_, data) in enumerate(msgs):
        path = os.path.join(root, "cur", "%d.M%dP1.fetch:2," % (1700000000 + i, i))
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (1700000000 + i * 3601, 1700000000 + i * 3601))


class FetchVsDovecot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists("/usr/sbin/dovecot"):
            raise unittest.SkipTest("dovecot not installed")
        cls.msgs = corpus() + extra_corpus()
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        maildir_with(cls.root, cls.msgs)
        cls.d.start()
        # A first SELECT gives the UIDs (dovecot-uidlist) that Dovecot will read too.
        c = cls.ours()
        c.command("SELECT INBOX")
        c.close()
        cls.tmp = tempfile.mkdtemp(prefix="tegami-fetch-diff-")
        os.chmod(cls.tmp, 0o755)
        copy = os.path.join(cls.tmp, "alice")
        shutil.copytree(cls.root, copy, symlinks=True)
        for name in ("tegami-index", "tegami-cache"):
            if os.path.exists(os.path.join(copy, name)):
                os.unlink(os.path.join(copy, name))
        cls.dc = Dovecot(maildir_root=copy, user="alice", password="pw")
        cls.dc.start()

    @classmethod
    def tearDownClass(cls):
        cls.dc.stop()
        cls.d.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def ours(cls):
        c = RawImap(cls.d.port("imap"))
        _, tagged = c.command('LOGIN "alice@example.com" "%s"' % PASSWORD)
        assert b" OK " in tagged, tagged
        return c

    def theirs(self):
        c = RawImap(self.dc.imap_port)
        _, tagged = c.command("LOGIN alice pw")
        assert b" OK " in tagged, tagged
        return c

    def compare(self, command, select="EXAMINE INBOX", drop_recent=True):
        """Runs `command` on both servers; returns the FETCH items of each, compared."""
        answers = []
        for c in (self.ours(), self.theirs()):
            c.command(select)
            untagged, tagged = c.command(command)
            c.close()
            self.assertIn(b" OK ", tagged, (command, tagged))
            fetches = {}
            for u in untagged:
                if b" FETCH (" in u[:20]:
                    seq, items = fetch_items(u)
                    if drop_recent and b"FLAGS" in items:
                        items[b"FLAGS"] = items[b"FLAGS"].replace(b" \\Recent", b"").replace(
                            b"\\Recent", b"")
                    fetches.setdefault(seq, {}).update(items)
            answers.append(fetches)
        ours, theirs = answers
        self.assertEqual(sorted(ours), sorted(theirs), command)
        for seq in ours:
            # The corpus message: by UID when fetched (sequence numbers shift after EXPUNGE).
            index = int(ours[seq][b"UID"]) - 1 if b"UID" in ours[seq] else seq - 1
            for name in set(ours[seq]) | set(theirs[seq]):
                key = (self.msgs[index][0], name.decode())
                if key in ALLOWED:
                    continue
                with self.subTest(message=key[0], item=key[1]):
                    self.assertEqual(ours[seq].get(name), theirs[seq].get(name))
        return ours

    def test_1_structure_items_and_every_section(self):
        items = ["UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY", "BODYSTRUCTURE"]
        items += ["BODY.PEEK[%s]" % s for s in SECTIONS]
        items += ["BODY.PEEK[%s]%s" % (s, p) for s in ("", "TEXT", "1", "2", "2.MIME", "HEADER")
                  for p in PARTIALS]
        got = self.compare("UID FETCH 1:* (%s)" % " ".join(items))
        self.assertEqual(len(got), len(self.msgs))
        # the 300 KB attachment went through the streamed path and is whole
        big = [s for s in got if self.msgs[s - 1][0] == "big_attachment"][0]
        self.assertGreater(len(got[big][b"BODY[2]"]), 300000)

    def test_2_macros(self):
        for macro in ("ALL", "FAST", "FULL"):
            got = self.compare("FETCH 1:* %s" % macro)
            self.assertIn(b"INTERNALDATE", got[1])

    def test_3_rfc822_items_and_seen(self):
        self.compare("FETCH 1:* (RFC822.HEADER RFC822.TEXT RFC822.SIZE)")
        # Non-PEEK fetches set \Seen and report FLAGS in the same response (both servers work
        # on their own copy, so each sets it once).
        got = self.compare("FETCH 2:3 (BODY[1] FLAGS)", select="SELECT INBOX")
        self.assertIn(b"\\Seen", got[2][b"FLAGS"])
        got = self.compare("FETCH 4 (BODY[TEXT]<0.5>)", select="SELECT INBOX")
        self.assertIn(b"\\Seen", got[4][b"FLAGS"])
        got = self.compare("FETCH 5 RFC822", select="SELECT INBOX")
        self.assertIn(b"\\Seen", got[5][b"FLAGS"])

    def test_4_uids_after_expunge(self):
        """Once messages are expunged, UIDs and sequence numbers differ: FETCH by sequence
        number, UID FETCH by UID set, SEARCH (sequence numbers) and UID SEARCH (UIDs, also of a
        sequence set and of a UID set) must name the same messages on both servers."""
        expunged = []
        for c in (self.ours(), self.theirs()):
            c.command("SELECT INBOX")
            _, tagged = c.command("UID STORE 2,6,9 +FLAGS.SILENT (\\Deleted)")
            self.assertIn(b" OK ", tagged)
            untagged, tagged = c.command("EXPUNGE")
            self.assertIn(b" OK ", tagged)
            expunged.append([u for u in untagged if u.endswith(b" EXPUNGE\r\n")])
            c.close()
        # Each server may order its EXPUNGE responses as it likes (Dovecot: highest first);
        # replayed on the original sequence numbers, both must remove UIDs 2, 6 and 9.
        for responses in expunged:
            seqs, removed = list(range(1, len(self.msgs) + 1)), []
            for r in responses:
                removed.append(seqs.pop(int(r.split()[1]) - 1))
            self.assertEqual(sorted(removed), [2, 6, 9], responses)
        n = len(self.msgs) - 3
        got = self.compare("UID FETCH 1:* (UID RFC822.SIZE ENVELOPE BODYSTRUCTURE "
                           "BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1.MIME])")
        self.assertEqual(sorted(got), list(range(1, n + 1)))
        self.assertNotIn(b"UID 2", [got[s][b"UID"] for s in got])
        got = self.compare("FETCH 2:6 (UID BODY.PEEK[TEXT]<0.40>)")
        self.assertEqual(got[2][b"UID"], b"3")  # UID 2 is gone: sequence 2 is UID 3
        self.compare("UID FETCH 5:8,20:* (UID FLAGS BODY.PEEK[2])")
        programs = ["UID SEARCH ALL", "SEARCH ALL", "UID SEARCH 2:5", "SEARCH 2:5",
                    "UID SEARCH UID 5:10", "SEARCH UID 5:10", "SEARCH NOT UID 1:4",
                    "UID SEARCH SUBJECT fwd",
                    "SEARCH CHARSET UTF-8 SUBJECT {%d+}\r\n会議" % len("会議".encode()),
                    "UID SEARCH OR SEEN HEADER Content-Type multipart"]
        answers = []
        for c in (self.ours(), self.theirs()):
            c.command("EXAMINE INBOX")
            out = []
            for p in programs:
                untagged, tagged = c.command(p)
                hits = [u for u in untagged if u.startswith(b"* SEARCH")]
                out.append((tagged.split(b" ", 2)[1], hits))
            c.close()
            answers.append(out)
        for p, ours, theirs in zip(programs, *answers):
            if ours[0] == b"BAD" and theirs[0] == b"BAD":
                continue
            with self.subTest(program=p):
                self.assertEqual(ours, theirs)
        self.assertEqual(answers[0][0][1], [b"* SEARCH " + b" ".join(
            b"%d" % u for u in range(1, len(self.msgs) + 1) if u not in (2, 6, 9)) + b"\r\n"])


if __name__ == "__main__":
    unittest.main()
