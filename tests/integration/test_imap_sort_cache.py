"""IMAP SORT and THREAD repeated in one selected session (issue 7): tegamid keeps the sort keys
and the last answers of a session (SortKeyCache) so an identical repeat is a lookup; this
checks that every change that matters between two identical commands gives the new answer —
a flag that changes what the search finds, a new message (own APPEND, and one delivered by
another session), an expunge in this session (sequence numbers shift) and one in another
session not yet reported — and that two different sorts of the same messages (SUBJECT and
REVERSE SUBJECT, SORT and UID SORT) never get each other's answer. Expected answers come
from a model of the folder (RFC 5256 rules: Date: in UTC, base subject, ties by sequence)."""
import imaplib
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid  # noqa: E402

PASSWORD = "Secret 1"
PLAN_EXTRA = """plans:
  - name: standard
    protocols: [smtp, submission, pop3, imap]
"""
DOMAIN = ("domain: example.com\nplan: standard\nmax_accounts: 10\naccounts:\n"
          f"  - user: alice\n    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 100\n")

# (day of January 2023 in the Date: header, subject, its base subject, message-id, parent id)
MESSAGES = [(5, "delta", "DELTA", "<d@x>", None),
            (1, "alpha", "ALPHA", "<a@x>", None),
            (4, "Re: charlie", "CHARLIE", "<c2@x>", "<c1@x>"),
            (2, "bravo", "BRAVO", "<b@x>", None),
            (6, "echo", "ECHO", "<e@x>", None),
            (3, "Fwd: alpha", "ALPHA", "<a2@x>", None)]


def message(day, subject, mid, parent):
    head = (f"From: a@example.com\r\nTo: b@example.com\r\nSubject: {subject}\r\n"
            f"Date: {day} Jan 2023 10:00:00 +0000\r\nMessage-ID: {mid}\r\n")
    if parent:
        head += f"In-Reply-To: {parent}\r\nReferences: {parent}\r\n"
    return (head + "\r\nbody\r\n").encode()


class Model:
    """The folder as this session sees it: a list of dicts in sequence order."""

    def __init__(self):
        self.msgs = []

    def sort(self, key, reverse=False, uid=False, only=lambda m: True):
        hits = [(i + 1, m) for i, m in enumerate(self.msgs) if only(m)]
        ordered = sorted(hits, key=lambda h: h[1][key], reverse=reverse)
        # Python's sort is stable and reverse keeps equal items in order: ties by sequence.
        return [str(m["uid"] if uid else seq).encode() for seq, m in ordered]


class ImapSortCache(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def login(self):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=30)
        m.login("alice@example.com", PASSWORD)
        return m

    def append(self, m, model, box, entry, seen=False):
        day, subject, base, mid, parent = entry
        typ, resp = m.append(box, "(\\Seen)" if seen else None, None,
                             message(day, subject, mid, parent))
        self.assertEqual(typ, "OK", resp)
        if model is not None:
            model.msgs.append({"day": day, "base": base, "seen": seen, "mid": mid})

    def sort(self, m, criteria, search="ALL", uid=False):
        if uid:
            typ, data = m.uid("SORT", criteria, "UTF-8", search)
        else:
            typ, data = m.sort(criteria, "UTF-8", search)
        self.assertEqual(typ, "OK", data)
        return data[0].split() if data and data[0] else []

    def test_repeats_follow_every_change(self):
        m = self.login()
        m.create("Cache")
        model = Model()
        for i, entry in enumerate(MESSAGES):
            self.append(m, model, "Cache", entry, seen=i % 2 == 0)
        m.select("Cache")
        typ, data = m.uid("SEARCH", "ALL")
        for msg, uid in zip(model.msgs, data[0].split()):
            msg["uid"] = int(uid)
        unseen = lambda x: not x["seen"]  # noqa: E731

        def check_all(what):
            for _ in range(2):  # the first computes (or finds), the repeat must agree
                self.assertEqual(self.sort(m, "(DATE)"), model.sort("day"), what)
                self.assertEqual(self.sort(m, "(DATE)", uid=True), model.sort("day", uid=True),
                                 what)
                self.assertEqual(self.sort(m, "(SUBJECT)"), model.sort("base"), what)
                self.assertEqual(self.sort(m, "(REVERSE SUBJECT)"),
                                 model.sort("base", reverse=True), what)
                self.assertEqual(self.sort(m, "(DATE)", "UNSEEN", uid=True),
                                 model.sort("day", uid=True, only=unseen), what)

        check_all("initial")
        # A flag change: UNSEEN finds one message less, then one more.
        m.store("2", "+FLAGS", "(\\Seen)")
        model.msgs[1]["seen"] = True
        check_all("after \\Seen on 2")
        m.store("1", "-FLAGS", "(\\Seen)")
        model.msgs[0]["seen"] = False
        check_all("after -\\Seen on 1")
        # Our own APPEND (an earlier Date: than every other message: it sorts first).
        self.append(m, model, "Cache", (1, "Re: alpha", "ALPHA", "<a3@x>", "<a@x>"))
        m.noop()
        typ, data = m.uid("SEARCH", "ALL")
        model.msgs[-1]["uid"] = int(data[0].split()[-1])
        check_all("after APPEND")
        # A message delivered by another session.
        other = self.login()
        self.append(other, model, "Cache", (7, "foxtrot", "FOXTROT", "<f@x>", None))
        m.noop()
        typ, data = m.uid("SEARCH", "ALL")
        model.msgs[-1]["uid"] = int(data[0].split()[-1])
        check_all("after another session's APPEND")
        # Expunged here: the sequence numbers after it shift down.
        m.store("2", "+FLAGS", "(\\Deleted)")
        m.expunge()
        del model.msgs[1]
        check_all("after EXPUNGE of 2")
        # Expunged by another session, not yet reported here (no EXPUNGE during SORT, RFC
        # 3501 7.4.1): once this session's view lost the file, no answer may still list it.
        gone = model.msgs[0]["uid"]
        other.select("Cache")
        other.uid("STORE", str(gone), "+FLAGS", "(\\Deleted)")
        other.expunge()
        other.logout()
        for _ in range(3):
            uids = self.sort(m, "(DATE)", uid=True)
        self.assertNotIn(str(gone).encode(), uids)
        m.noop()  # now reported
        del model.msgs[0]
        check_all("after another session's EXPUNGE")
        m.logout()

    def test_thread_repeat_after_a_reply_arrives(self):
        m = self.login()
        m.create("Threads")
        for entry in MESSAGES:
            self.append(m, None, "Threads", entry)
        m.select("Threads")
        typ, first = m.thread("REFERENCES", "UTF-8", "ALL")
        typ, again = m.thread("REFERENCES", "UTF-8", "ALL")
        self.assertEqual(first, again)
        self.assertNotIn(b"(5 7)", first[0])
        # A reply to message 5 (<e@x>) arrives: the repeat must thread it under 5.
        self.append(m, None, "Threads", (8, "Re: echo", "ECHO", "<e2@x>", "<e@x>"))
        m.noop()
        typ, after = m.thread("REFERENCES", "UTF-8", "ALL")
        self.assertIn(b"(5 7)", after[0])
        m.logout()


if __name__ == "__main__":
    unittest.main()
