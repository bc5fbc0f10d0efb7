"""IMAP SORT and THREAD against the real tegamid (issue 7, RFC 5256 and RFC 5957): every sort
key, REVERSE, UID forms and search criteria, THREAD=ORDEREDSUBJECT and THREAD=REFERENCES on a
mailbox made to exercise the algorithms (reply chains, In-Reply-To only, missing and duplicate
parents, reference loops, subject merging, encoded subjects, dates in several zones and none),
differential against Debian's Dovecot on a copy of the same Maildir (answers must be identical);
the Japanese reply and forward prefixes (返信:, 転送:, full-width Ｒｅ：), which Dovecot does not
know, checked against expected answers; ESEARCH (RFC 4731) RETURN options and ESORT (RFC 5267:
SORT RETURN, with SAVE and the `$` it leaves, RFC 5182), also differential;
capabilities and errors (BAD, BADCHARSET)."""
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

PLAN_EXTRA = plan_yaml(mailbox_quota=200)
DOMAIN = domain_yaml(("alice",), quota=100)


def message(subject=None, frm=None, to=None, cc=None, date=None, mid=None, refs=None, irt=None,
            body="body\n"):
    h = []
    for name, value in (("From", frm), ("To", to), ("Cc", cc), ("Subject", subject),
                        ("Date", date), ("Message-ID", mid), ("In-Reply-To", irt),
                        ("References", refs)):
        if value is not None:
            h.append(f"{name}: {value}")
    return ("\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


# (internal date, message) in append order: sequence number = position + 1.
CORPUS = [
    ("02-Jan-2023 11:00:00 +0000", message(
        "Project plan", '"Zed Alpha" <zed@a.example>', "bob@b.example",
        '"Carol" <carol@c.example>, dan@d.example', "Mon, 2 Jan 2023 10:00:00 +0000",
        "<p1@x>", body="x" * 300)),
    ("02-Jan-2023 11:05:00 +0000", message(
        "Re: Project plan", "amy@a.example", '"Bob B" <bob@b.example>', None,
        "Mon, 2 Jan 2023 12:00:00 +0200", "<p2@x>", "<p1@x>", "<p1@x>", body="y" * 50)),
    ("03-Jan-2023 15:00:00 +0000", message(
        "Re: Re: Project plan", "=?UTF-8?Q?Bj=C3=B6rn_Berg?= <bjorn@x.example>",
        "zed@a.example", "amy@a.example", "Tue, 3 Jan 2023 09:00:00 -0500", "<p3@x>",
        "<p1@x> <p2@x>", "<p2@x>", body="z" * 700)),
    ("01-Jan-2023 09:00:00 +0000", message(
        "Fwd: Project plan", '"mallory" <m@m.example>', '"Ann" <ann@a.example>', None,
        "Sun, 1 Jan 2023 08:00:00 +0000", "<f1@x>")),
    ("05-Jan-2023 10:00:00 +0000", message(
        "[list] Meeting notes", "list@l.example", "list@l.example", None,
        "Thu, 5 Jan 2023 10:00:00 +0000", "<m1@x>", body="notes\n" * 40)),
    ("06-Jan-2023 10:00:00 +0000", message(
        "Re: [list] Meeting notes", "carol@c.example", "list@l.example", None,
        "Fri, 6 Jan 2023 10:00:00 +0000", "<m2@x>", None, "<m1@x>")),
    ("04-Jan-2023 10:00:00 +0000", message(
        "Meeting notes (fwd)", "dan@d.example", "eve@e.example", None,
        "Wed, 4 Jan 2023 10:00:00 +0000", "<m3@x>", "<missing@x>")),
    ("07-Jan-2023 10:00:00 +0000", message(
        "Orphan A", "eve@e.example", "frank@f.example", None,
        "Sat, 7 Jan 2023 10:00:00 +0000", "<oa@x>", "<gone@x>")),
    ("08-Jan-2023 10:00:00 +0000", message(
        "Orphan B", "frank@f.example", "eve@e.example", None,
        "Sun, 8 Jan 2023 10:00:00 +0000", "<ob@x>", "<gone@x>")),
    ("09-Jan-2023 10:00:00 +0000", message(
        "Duplicate id", "gina@g.example", "hal@h.example", None,
        "Mon, 9 Jan 2023 10:00:00 +0000", "<p1@x>")),
    ("15-Dec-2022 10:00:00 +0000", message(
        "No date here", "hal@h.example", "gina@g.example")),
    ("10-Jan-2023 10:00:00 +0000", message(
        "=?UTF-8?B?UmU6IEJ1ZGdldA==?=", '"Ivy" <ivy@i.example>', "jack@j.example", None,
        "Tue, 10 Jan 2023 10:00:00 +0000", "<b2@x>", body="big\n" * 2000)),
    ("11-Jan-2023 10:00:00 +0000", message(
        "Budget", '"jack" <jack@j.example>', "ivy@i.example", "kim@k.example",
        "Wed, 11 Jan 2023 10:00:00 +0000", "<b1@x>")),
    ("12-Jan-2023 10:00:00 +0000", message(
        "[Fwd: Budget]", "kim@k.example", "ivy@i.example", None,
        "Thu, 12 Jan 2023 10:00:00 +0000", "<b3@x>")),
    ("02-Jan-2023 10:00:00 +0000", message(
        None, "lee@l.example", None, None, "Mon, 2 Jan 2023 10:00:00 +0000", "<e1@x>")),
    ("13-Jan-2023 10:00:00 +0000", message(
        "Group mail", "undisclosed: ;", "team: Uma <uma@u.example>, Vic <vic@v.example>;",
        "wes@w.example", "Fri, 13 Jan 2023 10:00:00 +0000", "<g1@x>")),
    ("14-Jan-2023 10:00:00 +0000", message(
        "re: project PLAN", "xena@x.example", "yuri@y.example", None,
        "14 Jan 23 10:00 EST", "<p9@x>")),
    ("16-Jan-2023 10:00:00 +0000", message(
        "Loop one", "zoe@z.example", "amy@a.example", None,
        "Mon, 16 Jan 2023 10:00:00 +0000", "<l1@x>", "<l2@x>")),
    ("17-Jan-2023 10:00:00 +0000", message(
        "Loop two", "amy@a.example", "zoe@z.example", None,
        "Tue, 17 Jan 2023 10:00:00 +0000", "<l2@x>", "<l1@x>")),
    ("18-Jan-2023 10:00:00 +0000", message(
        "Re: Orphan A", "frank@f.example", "eve@e.example", None,
        "Wed, 18 Jan 2023 10:00:00 +0000", "<oa2@x>", "<gone@x> <oa@x>")),
]

SORTS = [
    "(ARRIVAL) UTF-8 ALL", "(DATE) UTF-8 ALL", "(REVERSE DATE) UTF-8 ALL",
    "(SUBJECT) UTF-8 ALL", "(REVERSE SUBJECT) UTF-8 ALL", "(FROM) UTF-8 ALL", "(TO) UTF-8 ALL",
    "(CC) UTF-8 ALL", "(SIZE) UTF-8 ALL", "(REVERSE SIZE) UTF-8 ALL",
    "(DISPLAYFROM) UTF-8 ALL", "(DISPLAYTO) UTF-8 ALL", "(REVERSE DISPLAYFROM DATE) UTF-8 ALL",
    "(SUBJECT DATE) UTF-8 ALL", "(SUBJECT REVERSE ARRIVAL) UTF-8 ALL",
    "(CC REVERSE FROM) US-ASCII ALL", "(DATE) UTF-8 SINCE 5-Jan-2023",
    "(SUBJECT) UTF-8 OR FROM amy FROM zed", "(REVERSE ARRIVAL) UTF-8 2:9",
    "(DATE) UTF-8 SEEN", "(DATE) UTF-8 UNSEEN NOT SUBJECT Orphan",
]
THREADS = [
    "ORDEREDSUBJECT UTF-8 ALL", "REFERENCES UTF-8 ALL", "REFERENCES US-ASCII NOT UID 1",
    "REFERENCES UTF-8 UID 2:20", "ORDEREDSUBJECT UTF-8 SINCE 3-Jan-2023",
    "REFERENCES UTF-8 SUBJECT Orphan", "REFERENCES UTF-8 SUBJECT nothing-matches",
]

ESEARCHES = [
    "RETURN (MIN MAX COUNT) ALL", "RETURN () UNSEEN", "RETURN (ALL) SUBJECT plan",
    "RETURN (COUNT) SUBJECT nothing-matches", "RETURN (MIN MAX ALL COUNT) NOT UID 5:8",
    "RETURN (MAX) SINCE 5-Jan-2023", "RETURN (ALL MIN) CHARSET UTF-8 OR SEEN FROM amy",
]

ESORTS = [  # RFC 5267 ESORT: ALL in sort order, MIN/MAX first/last in sort order
    "RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL", "RETURN (ALL) (ARRIVAL) UTF-8 ALL",
    "RETURN (ALL) (REVERSE ARRIVAL) UTF-8 ALL", "RETURN () (SUBJECT) UTF-8 UNSEEN",
    "RETURN (ALL COUNT) (REVERSE SIZE) UTF-8 SUBJECT plan",
    "RETURN (COUNT) (FROM) UTF-8 SUBJECT nothing-matches",
    "RETURN (MIN MAX) (DISPLAYFROM) UTF-8 NOT UID 5:8",
    "RETURN (SAVE MIN) (DATE) UTF-8 UNSEEN", "RETURN (SAVE) (REVERSE DATE) UTF-8 SEEN",
]

JAPANESE = [  # (internal date, subject); Dovecot does not know these prefixes
    ("01-Feb-2023 10:00:00 +0000", "会議"),
    ("02-Feb-2023 10:00:00 +0000", "返信: 会議"),
    ("03-Feb-2023 10:00:00 +0000", "Ｒｅ：会議"),
    ("04-Feb-2023 10:00:00 +0000", "転送：会議"),
    ("05-Feb-2023 10:00:00 +0000", "RE: 返信: 会議"),
    ("20-Jan-2023 10:00:00 +0000", "予定"),
    ("06-Feb-2023 10:00:00 +0000", "Re: 予定"),
    ("07-Feb-2023 10:00:00 +0000", "=?ISO-2022-JP?B?GyRCSlY/LhsoQjogGyRCMnE1RBsoQg==?="),
]


def answers(m, mailbox):
    typ, _ = m.select(mailbox)
    assert typ == "OK"
    out = {}
    for uid in (False, True):
        for cmd, programs in (("SORT", SORTS), ("THREAD", THREADS)):
            for p in programs:
                first, rest = p.split(") ", 1) if cmd == "SORT" else p.split(" ", 1)
                args = [first + ")" if cmd == "SORT" else first] + rest.split(" ", 1)
                if uid:
                    typ, data = m.uid(cmd, *args)
                elif cmd == "SORT":
                    typ, data = m.sort(*args)
                else:
                    typ, data = m.thread(*args)
                out[("UID " if uid else "") + cmd + " " + p] = (typ, data)
        for p in ESEARCHES:  # RFC 4731; the (TAG "...") differs by client tag: checked apart
            args = ["UID", "SEARCH"] if uid else ["SEARCH"]
            typ, data = m._simple_command(*args, *p.split(" ", 1))
            typ, data = m._untagged_response(typ, data, "ESEARCH")
            assert typ == "OK" and len(data) == 1 and data[0].startswith(b"(TAG "), data
            out[" ".join(args) + " " + p] = (typ, [re.sub(rb'^\(TAG "[^"]*"\) ?', b"", data[0])])
        for p in ESORTS:
            args = ["UID", "SORT"] if uid else ["SORT"]
            typ, data = m._simple_command(*args, p)
            typ, data = m._untagged_response(typ, data, "ESEARCH")
            assert typ == "OK", (p, data)
            out[" ".join(args) + " " + p] = (
                typ, [re.sub(rb'^\(TAG "[^"]*"\) ?', b"", d) for d in data if d is not None])
            if "SAVE" in p:  # RFC 5182: what `$` holds now
                out[" ".join(args) + " " + p + " then $"] = m.uid("SEARCH", "UID", "$")
    return out


class ImapSortThread(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        m = cls.login()
        for box, items in (("Sort", CORPUS),
                           ("Japanese", [(d, message(s, "a@x", "b@x", None, None, None))
                                         for d, s in JAPANESE])):
            m.create(box)
            for i, (date, data) in enumerate(items):
                flags = "(\\Seen)" if i % 3 == 0 else None
                typ, resp = m.append(box, flags, '"%s"' % date, data)
                assert typ == "OK", resp
        m.logout()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    @classmethod
    def login(cls, port=None, user="alice@example.com", password=PASSWORD):
        m = imaplib.IMAP4("127.0.0.1", port or cls.d.port("imap"), timeout=30)
        m.login(user, password)
        return m

    def test_1_capabilities_and_known_answers(self):
        m = self.login()
        typ, data = m.capability()
        caps = data[0].decode().split()
        for cap in ("SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
                    "ESEARCH"):
            self.assertIn(cap, caps)
        ours = answers(m, "Sort")
        m.logout()
        for key, (typ, _) in ours.items():
            self.assertEqual(typ, "OK", key)
        # Answers read off the corpus by hand (the differential checks everything else).
        self.assertEqual(ours["SORT (SIZE) UTF-8 ALL"][1][0].split()[-1], b"12")  # the big one
        self.assertEqual(ours["SORT (DATE) UTF-8 ALL"][1][0].split()[:3], [b"11", b"4", b"1"])
        self.assertEqual(ours["THREAD REFERENCES UTF-8 SUBJECT nothing-matches"][1], [b""])
        refs = ours["THREAD REFERENCES UTF-8 ALL"][1][0]
        # The chain 1-2-3, with the Fwd: and re: of the same subject (no references) merged
        # under 1; siblings by sent date.
        self.assertIn(b"(1 (4)(2 3)(17))", refs)
        self.assertIn(b"(5 (7)(6))", refs)  # In-Reply-To only; "(fwd)" merged by subject
        self.assertIn(b"((8 20)(9))", refs)  # two children of a missing parent
        self.assertEqual(ours["SEARCH RETURN (MIN MAX COUNT) ALL"][1], [b"MIN 1 MAX 20 COUNT 20"])
        self.assertEqual(ours["UID SEARCH RETURN (COUNT) SUBJECT nothing-matches"][1],
                         [b"UID COUNT 0"])

    def test_2_differential_with_dovecot(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            self.skipTest("dovecot not installed")
        from dovecot import Dovecot  # noqa: E402
        m = self.login()
        ours = answers(m, "Sort")
        m.logout()
        tmp = tempfile.mkdtemp(prefix="tegami-sort-diff-")
        try:
            os.chmod(tmp, 0o755)
            copy = os.path.join(tmp, "alice")
            shutil.copytree(self.root, copy, symlinks=True)
            with Dovecot(maildir_root=copy, user="alice", password="pw") as dc:
                m = self.login(dc.imap_port, "alice", "pw")
                theirs = answers(m, "Sort")
                m.logout()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        diffs = [f"{k}:\n  tegami  {ours[k]}\n  dovecot {theirs[k]}"
                 for k in ours if ours[k] != theirs[k]]
        self.assertEqual(diffs, [], "\n".join(diffs))

    def test_3_japanese_reply_prefixes(self):
        m = self.login()
        m.select("Japanese")
        typ, data = m.sort("(SUBJECT)", "UTF-8", "ALL")
        self.assertEqual(data[0], b"6 7 1 2 3 4 5 8")  # 予定 < 会議 (UTF-8 order), then by seq
        typ, data = m.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        self.assertEqual(data[0], b"(6 7)(1 (2)(3)(4)(5)(8))")
        typ, data = m.thread("REFERENCES", "UTF-8", "ALL")  # no ids: merged by subject alone
        self.assertEqual(data[0], b"(6 7)(1 (2)(3)(4)(5)(8))")
        m.logout()

    def test_4_errors(self):
        m = self.login()
        m.select("Sort")
        for args in (("(BOGUS)", "UTF-8", "ALL"), ("(REVERSE)", "UTF-8", "ALL"),
                     ("()", "UTF-8", "ALL"), ("(DATE)", "UTF-8", "BOGUSKEY")):
            with self.assertRaises(imaplib.IMAP4.error, msg=args):
                m.sort(*args)
        typ, data = m._simple_command("SORT", "(DATE)", "X-UNKNOWN", "ALL")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[BADCHARSET", data[0])
        with self.assertRaises(imaplib.IMAP4.error):
            m.thread("NOSUCHALGORITHM", "UTF-8", "ALL")
        for bad in (("RETURN", "(SAVE BOGUS)", "ALL"), ("RETURN", "(BOGUS)", "ALL"),
                    ("RETURN", "MIN")):
            with self.assertRaises(imaplib.IMAP4.error, msg=bad):
                m.search(None, *bad)
        m.logout()
        m = self.login()  # not in the selected state
        with self.assertRaises(imaplib.IMAP4.error):
            m.sort("(DATE)", "UTF-8", "ALL")
        m.logout()


if __name__ == "__main__":
    unittest.main()
