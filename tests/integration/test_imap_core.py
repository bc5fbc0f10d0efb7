"""IMAP protocol points of issue 6 against the real tegamid: QUOTA (RFC 9208) and APPENDLIMIT
(RFC 7889) with NO [TOOBIG] / NO [OVERQUOTA] before the APPEND continuation and nothing stored,
COPY over quota, the lenient and strict quota policies, the per-user session limit
(imap.max_sessions_per_user), IDLE woken by inotify when mail arrives or another session
changes flags, \\Recent given to exactly one session, configurable (Japanese) SPECIAL-USE
names, RENAME INBOX, a symlink planted in the Maildir, the LITERAL+ limit before login and
`a.b` vs `a/b`."""
import base64
import imaplib
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid  # noqa: E402

PASSWORD = "Secret 1"
MAX_MESSAGE = 200000
MAIN_EXTRA = f"""limits:
  auth_failure_delay: 100ms
  auth_failure_delay_max: 200ms
  max_message_size: {MAX_MESSAGE}
imap:
  max_sessions_per_user: 4
  sent: 送信済みアイテム
  drafts: 下書き
plans:
  - name: standard
    mailbox_quota: 1
  - name: strict
    mailbox_quota: 1
    quota_policy: strict
"""


def domain_yaml(name, plan, users):
    text = f"domain: {name}\nplan: {plan}\nmax_accounts: 50\naccounts:\n"
    for u, quota in users:
        text += f"  - user: {u}\n    password: \"{{PLAIN}}{PASSWORD}\"\n"
        if quota is not None:
            text += f"    quota: {quota}\n"
    return text


def mutf7(text):
    """IMAP modified UTF-7 (RFC 3501 5.1.3) of `text`."""
    out, run = "", ""

    def flush():
        nonlocal out, run
        if run:
            b = base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=")
            out += "&" + b.replace("/", ",") + "-"
            run = ""
    for ch in text:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out += "&-" if ch == "&" else ch
        else:
            run += ch
    flush()
    return out


def message(size, subject="test"):
    head = f"From: a@example.org\r\nTo: b@example.com\r\nSubject: {subject}\r\n\r\n"
    line = "x" * 70 + "\r\n"
    body = line * max(0, (size - len(head)) // len(line))
    return (head + body).encode()


class Raw:
    """A line-level IMAP client for what imaplib hides (continuations, untagged timing)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.line()  # greeting

    def line(self, timeout=10.0):
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def send(self, data):
        self.sock.sendall(data)

    def until_tagged(self, tag):
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if ln.startswith(tag + b" "):
                return lines

    def cmd(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until_tagged(tag)

    def login(self, user):
        out = self.cmd(b"l", b"LOGIN " + user.encode() + b' "' + PASSWORD.encode() + b'"')
        assert out[-1].startswith(b"l OK"), out
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class ImapCore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "starttls", {"allow_plaintext_auth": "true"})],
                        domains={
                            "example.com.yaml": domain_yaml(
                                "example.com", "standard",
                                [("alice", None), ("bob", None), ("carol", None),
                                 ("dave", None), ("idle", None),
                                 ("recent", None), ("names", None), ("misc", None)]),
                            "strict.test.yaml": domain_yaml("strict.test", "strict",
                                                            [("sam", None)]),
                        }, main_extra=MAIN_EXTRA)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def maildir(self, user, domain="example.com"):
        return os.path.join(self.d.dir, "var", "mail", domain, user)

    def client(self, user, domain="example.com"):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=10)
        m.login(f"{user}@{domain}", PASSWORD)
        return m

    def raw(self, user=None, domain="example.com"):
        r = Raw(self.d.port("imap"))
        if user:
            r.login(f"{user}@{domain}")
        return r

    def files(self, user, folder="", domain="example.com"):
        d = os.path.join(self.maildir(user, domain), folder)
        return sorted(os.listdir(os.path.join(d, "new")) + os.listdir(os.path.join(d, "cur")))

    def deliver(self, user, data, domain="example.com"):
        """A delivery as an MDA does it: tmp/, then rename into new/."""
        root = self.maildir(user, domain)
        if not os.path.isdir(root):  # made at the first login
            self.client(user, domain).logout()
        name = f"{time.time():.6f}.P{os.getpid()}Q{time.monotonic_ns()}.test"
        tmp = os.path.join(root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(root, "new", name + f",S={len(data)}"))

    # --- QUOTA / APPENDLIMIT -------------------------------------------------------------
    def test_capabilities_quota_and_appendlimit(self):
        m = self.client("alice")
        caps = m.capability()[1][0].split()
        for cap in (b"QUOTA", b"QUOTA=RES-STORAGE", b"APPENDLIMIT=%d" % MAX_MESSAGE):
            self.assertIn(cap, caps)
        m.logout()

    def test_getquotaroot_getquota_and_setquota(self):
        m = self.client("alice")
        typ, data = m.getquotaroot("INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], [b'"INBOX" "User quota"'])
        used0, limit = map(int, re.search(rb"\(STORAGE (\d+) (\d+)\)", data[1][0]).groups())
        self.assertEqual(limit, 1024)  # 1 MB in KB
        m.append("INBOX", None, None, message(100000))
        typ, data = m.getquota('"User quota"')
        self.assertEqual(typ, "OK")
        used1 = int(re.search(rb"\(STORAGE (\d+) 1024\)", data[0]).group(1))
        self.assertGreaterEqual(used1 - used0, 95)  # ~100 KB more, counted from maildirsize
        with open(os.path.join(self.maildir("alice"), "maildirsize")) as f:
            total = sum(int(ln.split()[0]) for ln in f.read().splitlines()[1:] if ln.strip())
        self.assertEqual(used1, total // 1024)
        typ, data = m.getquotaroot("Trash")  # every folder has the same root
        self.assertIn(b'"User quota"', data[0][0])
        typ, data = m.getquota('"other"')
        self.assertEqual(typ, "NO")
        typ, data = m.getquotaroot("Nope")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0][0])
        typ, data = m.setquota('"User quota"', "(STORAGE 99999)")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NOPERM]", data[0])
        typ, data = m.status("INBOX", "(DELETED DELETED-STORAGE)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"DELETED 0 DELETED-STORAGE 0", data[0])
        m.logout()

    def test_append_too_big_refused_before_continuation(self):
        r = self.raw("bob")
        before = self.files("bob")
        r.send(b"a1 APPEND INBOX {%d}\r\n" % (MAX_MESSAGE + 1))
        ln = r.line()
        self.assertTrue(ln.startswith(b"a1 NO [TOOBIG]"), ln)  # no "+" first
        # The connection goes on: the client sent no literal.
        self.assertTrue(r.cmd(b"a2", b"NOOP")[-1].startswith(b"a2 OK"))
        # LITERAL+ cannot be refused up front: the bytes arrive, then NO [TOOBIG].
        r.send(b"a3 APPEND INBOX {%d+}\r\n" % (MAX_MESSAGE + 1) + b"x" * (MAX_MESSAGE + 1) +
               b"\r\n")
        self.assertTrue(r.until_tagged(b"a3")[-1].startswith(b"a3 NO [TOOBIG]"))
        # A missing target: NO [TRYCREATE] before the continuation (Thunderbird then creates
        # the folder and appends again).
        r.send(b'a5 APPEND "Sent Items" {1000}\r\n')
        ln = r.line()
        self.assertTrue(ln.startswith(b"a5 NO [TRYCREATE]"), ln)
        self.assertTrue(r.cmd(b"a6", b"NOOP")[-1].startswith(b"a6 OK"))
        # Exactly the limit is fine.
        data = message(MAX_MESSAGE - 2000)
        r.send(b"a4 APPEND INBOX {%d}\r\n" % len(data))
        self.assertTrue(r.line().startswith(b"+"))
        r.send(data + b"\r\n")
        self.assertTrue(r.until_tagged(b"a4")[-1].startswith(b"a4 OK [APPENDUID"))
        self.assertEqual(len(self.files("bob")), len(before) + 1)
        r.close()

    def test_over_quota_lenient_append_and_copy(self):
        m = self.client("carol")
        # Under quota takes one more, even if it goes over (1 MB quota, 200 KB messages).
        for i in range(6):
            typ, data = m.append("INBOX", None, None, message(190000, f"m{i}"))
            self.assertEqual(typ, "OK", (i, data))
        used = int(re.search(rb"STORAGE (\d+)", m.getquotaroot("INBOX")[1][1][0]).group(1))
        self.assertGreater(used, 1024)
        stored = self.files("carol")
        # Now at/over quota: refused before the continuation, nothing stored.
        r = self.raw("carol")
        r.send(b"q1 APPEND INBOX {1000}\r\n")
        ln = r.line()
        self.assertTrue(ln.startswith(b"q1 NO [OVERQUOTA]"), ln)
        self.assertTrue(r.cmd(b"q2", b"NOOP")[-1].startswith(b"q2 OK"))
        r.close()
        m.select("INBOX")
        typ, data = m.copy("1", "Archive")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.assertEqual(self.files("carol", ".Archive"), [])
        self.assertEqual(self.files("carol"), stored)
        # MOVE inside the account changes no usage: allowed even over quota.
        typ, data = m._simple_command("MOVE", "1", "Trash")
        self.assertEqual(typ, "OK")
        self.assertEqual(len(self.files("carol", ".Trash")), 1)
        m.logout()

    def test_over_quota_strict(self):
        m = self.client("sam", "strict.test")
        for i in range(5):
            self.assertEqual(m.append("INBOX", None, None, message(190000))[0], "OK")
        # 5 × ~190 KB = ~930 KB of 1024 KB: the next 190 KB does not fit and is refused.
        r = self.raw("sam", "strict.test")
        before = self.files("sam", domain="strict.test")
        r.send(b"s1 APPEND INBOX {190000}\r\n")
        ln = r.line()
        self.assertTrue(ln.startswith(b"s1 NO [OVERQUOTA]"), ln)
        # A small one still fits.
        data = message(5000)
        r.send(b"s2 APPEND INBOX {%d}\r\n" % len(data))
        self.assertTrue(r.line().startswith(b"+"))
        r.send(data + b"\r\n")
        self.assertTrue(r.until_tagged(b"s2")[-1].startswith(b"s2 OK"))
        self.assertEqual(len(self.files("sam", domain="strict.test")), len(before) + 1)
        r.close()
        m.logout()

    # --- sessions per user -----------------------------------------------------------------
    def test_per_user_session_limit(self):
        sessions = [self.client("dave") for _ in range(4)]
        extra = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=10)
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            extra.login("dave@example.com", PASSWORD)
        self.assertIn("[LIMIT]", str(refused.exception))
        other = self.client("alice")  # another user of the same domain is not affected
        other.logout()
        sessions.pop().logout()
        deadline = time.monotonic() + 10
        while True:
            try:
                extra.login("dave@example.com", PASSWORD)
                break
            except imaplib.IMAP4.error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        extra.logout()
        for s in sessions:
            s.logout()

    # --- IDLE ----------------------------------------------------------------------------------
    def test_idle_woken_by_delivery_and_flag_change(self):
        self.deliver("idle", message(500, "first"))
        r = self.raw("idle")
        out = r.cmd(b"s", b"SELECT INBOX")
        exists = int([ln for ln in out if ln.endswith(b" EXISTS")][0].split()[1])
        r.send(b"i IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+"))
        # Five deliveries, each answered well under a second: a 2 s poll alone would pass
        # that by chance only 1 time in 32.
        for n in range(5):
            time.sleep(0.3)
            t0 = time.monotonic()
            self.deliver("idle", message(500, f"idle {n}"))
            while True:
                ln = r.line(timeout=5)
                if ln.endswith(b" EXISTS"):
                    break
            elapsed = time.monotonic() - t0
            exists += 1
            self.assertEqual(ln, b"* %d EXISTS" % exists)
            # inotify, not the 2 s poll: well under a second each time.
            self.assertLess(elapsed, 1.5, f"delivery {n} took {elapsed:.2f}s")
        # Another session sets a flag: the idling one hears of it.
        other = self.client("idle")
        other.select("INBOX")
        t0 = time.monotonic()
        other.store("1", "+FLAGS", "(\\Flagged)")
        while True:
            ln = r.line(timeout=5)
            if b"FETCH" in ln:
                break
        self.assertLess(time.monotonic() - t0, 1.5)
        self.assertRegex(ln, rb"^\* 1 FETCH \(UID \d+ FLAGS \([^)]*\\Flagged")
        # ... and an expunge.
        other.store("2", "+FLAGS", "(\\Deleted)")
        other.expunge()
        while True:
            ln = r.line(timeout=5)
            if ln.endswith(b"EXPUNGE"):
                break
        self.assertEqual(ln, b"* 2 EXPUNGE")
        other.logout()
        r.send(b"DONE\r\n")
        self.assertTrue(r.until_tagged(b"i")[-1].startswith(b"i OK"))
        # IDLE gave back what the session can rebuild (the loaded dovecot-uidlist, the MIME
        # structure and SORT key caches): afterwards it answers as a fresh session does.
        asks = [(b"f", b"UID FETCH 1:* (BODYSTRUCTURE ENVELOPE)"),
                (b"o", b"UID SORT (DATE) UTF-8 ALL"), (b"t", b"UID SEARCH SUBJECT idle")]
        mine = [r.cmd(tag, text) for tag, text in asks]
        fresh = self.raw("idle")
        fresh.cmd(b"s", b"EXAMINE INBOX")
        theirs = [fresh.cmd(tag, text) for tag, text in asks]
        fresh.close()
        for (tag, text), a, b in zip(asks, mine, theirs):
            self.assertTrue(a[-1].startswith(tag + b" OK"), (text, a[-1]))
            self.assertEqual([ln for ln in a if ln.startswith(b"* ")],
                             [ln for ln in b if ln.startswith(b"* ")], text)
        self.assertEqual(len([ln for ln in mine[0] if b" FETCH (" in ln]), exists - 1)
        r.close()

    # --- \Recent ---------------------------------------------------------------------------
    def test_recent_given_to_exactly_one_session(self):
        def last_recent(lines):
            vals = [int(ln.split()[1]) for ln in lines if re.match(rb"^\* \d+ RECENT$", ln)]
            return vals[-1] if vals else None
        self.deliver("recent", message(300, "before"))
        a = self.raw("recent")
        b = self.raw("recent")
        ra = last_recent(a.cmd(b"s", b"SELECT INBOX"))
        rb_ = last_recent(b.cmd(b"s", b"SELECT INBOX"))
        self.assertEqual(ra, 1)   # the first session to see it gets it
        self.assertEqual(rb_, 0)  # not the second
        self.assertIn(b"RECENT 0", b.cmd(b"t", b"STATUS INBOX (RECENT)")[0])
        # A message arriving while both are selected is recent in exactly one of them.
        self.deliver("recent", message(300, "during"))
        time.sleep(0.2)
        na = last_recent(a.cmd(b"n", b"NOOP"))
        nb = last_recent(b.cmd(b"n", b"NOOP"))
        # a synced first, so a got it; b is told of the message but not as recent.
        self.assertEqual((na, nb), (2, 0))
        ua = set(a.cmd(b"f", b"UID SEARCH RECENT")[0].split()[2:])
        ub = set(b.cmd(b"f", b"UID SEARCH RECENT")[0].split()[2:])
        self.assertEqual((len(ua), len(ub)), (2, 0))
        # EXAMINE only looks: a new message stays recent for the next read-write session.
        self.deliver("recent", message(300, "third"))
        c = self.raw("recent")
        self.assertEqual(last_recent(c.cmd(b"e", b"EXAMINE INBOX")), 1)
        c.close()
        d = self.raw("recent")
        self.assertEqual(last_recent(d.cmd(b"s", b"SELECT INBOX")), 1)
        d.close()
        a.close()
        b.close()

    # --- SPECIAL-USE names -------------------------------------------------------------------
    def test_special_use_names_from_config(self):
        m = self.client("names")
        typ, data = m.list()
        listing = b"\n".join(data)
        sent = mutf7("送信済みアイテム").encode()
        drafts = mutf7("下書き").encode()
        self.assertIn(b'\\Sent) "/" "' + sent + b'"', listing)
        self.assertIn(b'\\Drafts) "/" "' + drafts + b'"', listing)
        self.assertIn(b'\\Trash) "/" "Trash"', listing)
        root = self.maildir("names")
        self.assertTrue(os.path.isdir(os.path.join(root, "." + sent.decode(), "cur")))
        self.assertFalse(os.path.exists(os.path.join(root, ".Sent")))
        typ, data = m.lsub()
        self.assertIn(sent, b"\n".join(data))
        m.logout()

    # --- the rest of the protocol list -------------------------------------------------------
    def test_rename_inbox_moves_messages_and_keeps_inbox(self):
        for i in range(3):
            self.deliver("misc", message(300, f"r{i}"))
        m = self.client("misc")
        self.assertEqual(m.rename("INBOX", "Old")[0], "OK")
        self.assertEqual(m.select("Old")[1][0], b"3")
        self.assertEqual(m.select("INBOX")[1][0], b"0")
        typ, data = m.list('""', "*")
        self.assertTrue(any(ln.endswith(b'"INBOX"') or ln.endswith(b" INBOX") for ln in data))
        m.logout()

    def test_symlink_planted_in_the_maildir_is_refused(self):
        m = self.client("misc")
        outside = os.path.join(self.d.dir, "outside")
        os.makedirs(os.path.join(outside, "cur"), exist_ok=True)
        os.makedirs(os.path.join(outside, "new"), exist_ok=True)
        os.makedirs(os.path.join(outside, "tmp"), exist_ok=True)
        os.symlink(outside, os.path.join(self.maildir("misc"), ".Evil"))
        typ, data = m.list('""', "*")
        self.assertFalse(any(b"Evil" in ln for ln in data))
        typ, data = m.select("Evil")
        self.assertEqual(typ, "NO")
        typ, data = m.append("Evil", None, None, message(300))
        self.assertEqual(typ, "NO")
        self.assertEqual(m.delete("Evil")[0], "NO")
        self.assertEqual(os.listdir(os.path.join(outside, "cur")) +
                         os.listdir(os.path.join(outside, "new")), [])
        self.assertTrue(os.path.isdir(outside))
        m.logout()

    def test_literal_plus_limited_before_login(self):
        r = self.raw()
        r.send(b"a LOGIN {100000+}\r\n")
        ln = r.line()
        self.assertTrue(ln.startswith(b"* BYE"), ln)
        r.close()
        r = self.raw()
        r.send(b"a LOGIN {100000}\r\n")  # synchronising: BYE, never a "+"
        ln = r.line()
        self.assertTrue(ln.startswith(b"* BYE"), ln)
        r.close()

    def test_dot_and_slash_never_alias(self):
        m = self.client("misc")
        self.assertEqual(m.create("x/y")[0], "OK")
        typ, data = m.create("x.y")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[CANNOT]", data[0])
        self.assertEqual(m.select("x.y")[0], "NO")
        self.assertTrue(os.path.isdir(os.path.join(self.maildir("misc"), ".x.y")))
        typ, data = m.list('""', "x*")
        self.assertEqual(len(data), 2, data)
        self.assertTrue(data[0].endswith(b'"x"'), data)
        self.assertTrue(data[1].endswith(b'"x/y"'), data)
        # And the other way round: a folder made on disk as ".p.q" is p/q, never "p.q".
        self.assertEqual(m.create("p/q")[0], "OK")
        self.assertEqual(m.select("p/q")[0], "OK")
        self.assertEqual(m.select('"p.q"')[0], "NO")
        m.logout()


if __name__ == "__main__":
    unittest.main()
