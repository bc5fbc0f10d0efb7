"""Mailing lists against the real tegamid, driven with smtplib and read from the Maildirs:
fan-out to members (one file, hard links), nested lists with overlap, the posting policies
(550 5.7.1 at RCPT when the sender is known, after DATA by From:), List-* headers, the
envelope sender <list>-bounces@, external members queued, serial numbers under 50 concurrent
posts (no duplicate, no gap), subject tags on ISO-2022-JP and UTF-8 subjects, the list limit
of the contract and cycles refused by `tegami config check`, and `tegami list ...` edits
picked up by the running daemon."""
import concurrent.futures
import email
import email.header
import email.policy
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import TEGAMI, Tegamid, tls_context  # noqa: E402
from polling import wait_for  # noqa: E402

DOMAIN = """domain: example.com
plan: standard
max_accounts: 12
accounts:
  - user: alice
    password: "{PLAIN}secret"
  - user: bob
    password: "{PLAIN}secret"
  - user: carol
    password: "{PLAIN}secret"
  - user: dave
    password: "{PLAIN}secret"
  - user: erin
    password: "{PLAIN}secret"
    aliases: [erin.k]
lists:
  - address: sales
    members:
      - address: alice
        comment: "Alice, ACME"
      - bob
      - ext@remote.test
    admins: [alice]
    subject_tag: sales
  - address: team
    members: [bob, dave, sales]
  - address: all
    members: [team, sales, carol, erin.k]
    posting: anyone
  - address: announce
    members: [alice, bob, carol]
    admins: [alice]
    posting: admins
    reply_to: list
  - address: jp
    members: [alice, bob]
    posting: anyone
    subject_tag: jp
"""


def inbox(root, user):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(root, "example.com", user, sub)
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))]
    return out


def find(root, user, needle, skip=()):
    """The files of `user`'s INBOX that contain `needle` and are not in `skip`."""
    return [p for p in inbox(root, user) if p not in skip and needle in read(p)]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def parse(path):
    return email.message_from_bytes(read(path), policy=email.policy.compat32)


def decoded_subject(msg):
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def mid(data):
    """The Message-ID line of a message made by msg()."""
    return re.search(rb"Message-ID: <[^>]+>", data).group(0)


def msg(sender, subject, body="hello\r\n", extra=""):
    return (f"From: {sender}\r\nTo: list\r\nSubject: {subject}\r\n{extra}"
            f"Message-ID: <{time.time_ns()}@test>\r\n\r\n{body}").encode()


class ListsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"), ("submission", "submission", "starttls")],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.d.dir, ignore_errors=True)

    def counts(self):
        return {u: len(inbox(self.root, u)) for u in ("alice", "bob", "carol", "dave", "erin")}

    def send(self, sender, rcpts, data, port="smtp"):
        with smtplib.SMTP("127.0.0.1", self.d.port(port), timeout=60) as s:
            return s.sendmail(sender, rcpts, data)

    def test_post_reaches_members_once_with_list_headers(self):
        before = self.counts()
        data = msg("Bob <bob@example.com>", "Re: RE: quarterly numbers",
                   extra="List-Id: <upstream.example>\r\n")
        self.assertEqual(self.send("bob@example.com", ["sales@example.com"], data), {})
        after = self.counts()
        self.assertEqual(after["alice"], before["alice"] + 1)
        self.assertEqual(after["bob"], before["bob"] + 1)
        self.assertEqual(after["carol"], before["carol"])
        (a,), (b,) = find(self.root, "alice", mid(data)), find(self.root, "bob", mid(data))
        self.assertEqual(os.stat(a).st_ino, os.stat(b).st_ino)  # one file, linked
        m = parse(a)
        self.assertEqual(m["Return-Path"], "<sales-bounces@example.com>")
        self.assertRegex(m["Subject"], r"^\[sales:\d{5}\] Re: quarterly numbers$")
        n = int(m["X-Mail-Count"])
        self.assertEqual(m["Subject"][:13], "[sales:%05d]" % n)
        self.assertEqual(m.get_all("List-Id"), ["<sales.example.com>"])
        self.assertEqual(m["List-Post"], "<mailto:sales@example.com>")
        self.assertEqual(m["List-Help"], "<mailto:sales-ctl@example.com?subject=help>")
        self.assertEqual(m["List-Owner"], "<mailto:alice@example.com>")
        self.assertIn("<mailto:sales-ctl@example.com?subject=remove>", m["List-Unsubscribe"])
        self.assertEqual(m["Precedence"], "list")
        self.assertEqual(m.get_payload(), "hello\n")  # stored with LF line ends
        # The external member waits in the queue, sent by the list's bounce address.
        envs = [read(os.path.join(self.queue, "env", e))
                for e in os.listdir(os.path.join(self.queue, "env"))]
        mine = [e for e in envs if b"\nrcpt ext@remote.test " in e and
                b"\nsender sales-bounces@example.com\n" in e]
        self.assertTrue(mine, envs)

    def test_nested_lists_with_overlap_deliver_each_address_once(self):
        before = self.counts()
        data = msg("someone@remote.test", "to everyone")
        self.assertEqual(self.send("someone@remote.test", ["all@example.com"], data), {})
        after = self.counts()
        # bob is in team and sales, alice in sales, erin through her alias.
        for user in ("alice", "bob", "carol", "dave", "erin"):
            self.assertEqual(after[user], before[user] + 1, user)
        (d,) = find(self.root, "dave", mid(data))
        m = parse(d)
        self.assertEqual(m["List-Id"], "<all.example.com>")
        self.assertEqual(m["Subject"], "to everyone")  # no tag configured
        self.assertIsNotNone(m["X-Mail-Count"])

    def test_posting_policy(self):
        before = self.counts()
        # A stranger on port 25: decided after DATA by envelope sender and From:.
        with self.assertRaises(smtplib.SMTPDataError) as cm:
            self.send("x@remote.test", ["sales@example.com"], msg("x@remote.test", "spam"))
        self.assertEqual(cm.exception.smtp_code, 550)
        self.assertIn(b"5.7.1", cm.exception.smtp_error)
        # The null sender is known at RCPT.
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
            self.send("<>", ["sales@example.com"], msg("MAILER-DAEMON@remote.test", "bounce"))
        self.assertEqual(cm.exception.recipients["sales@example.com"][0], 550)
        # An authenticated non-member is known at RCPT.
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("carol@example.com", "secret")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                s.sendmail("carol@example.com", ["sales@example.com"],
                           msg("carol@example.com", "let me in"))
            code, text = cm.exception.recipients["sales@example.com"]
            self.assertEqual((code, text[:5]), (550, b"5.7.1"))
        self.assertEqual(self.counts(), before)
        # A member whose envelope sender is an ESP's bounce address: From: decides.
        self.assertEqual(self.send("bounce-77@esp.remote.test", ["sales@example.com"],
                                   msg("Alice <ALICE@example.com>", "via esp")), {})
        self.assertEqual(self.counts()["bob"], before["bob"] + 1)
        # Announcement list: members may not post, admins may; Reply-To is the list.
        with self.assertRaises(smtplib.SMTPDataError):
            self.send("bob@example.com", ["announce@example.com"], msg("bob@example.com", "x"))
        self.assertEqual(self.send("alice@example.com", ["announce@example.com"],
                                   msg("alice@example.com", "announcement 1")), {})
        got = find(self.root, "carol", b"announcement 1")
        self.assertEqual(len(got), 1)
        m = parse(got[0])
        self.assertEqual(m["Reply-To"], "<announce@example.com>")
        self.assertEqual(m["List-Post"], "NO")

    def test_refused_list_next_to_a_direct_recipient_gets_a_dsn_not_a_reject(self):
        before = self.counts()
        carol_before = set(inbox(self.root, "carol"))
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            self.assertEqual(s.sendmail("carol@example.com", ["sales@example.com", "dave@example.com"],
                                        msg("carol@example.com", "both")), {})
        self.assertEqual(self.counts()["dave"], before["dave"] + 1)
        self.assertEqual(self.counts()["alice"], before["alice"])
        # carol (local sender) gets the failure report from the queue manager.
        def dsn():
            for p in set(inbox(self.root, "carol")) - carol_before:
                if b"report-type=delivery-status" in read(p):
                    return read(p)
            return None
        report = wait_for(dsn)
        self.assertIsNotNone(report)
        self.assertIn(b"Final-Recipient: rfc822; sales@example.com", report)
        self.assertIn(b"5.7.1", report)

    def test_serial_numbers_under_50_concurrent_posts(self):
        start = set(inbox(self.root, "alice"))

        def post(i):
            return self.send("bob@example.com", ["sales@example.com"],
                             msg("bob@example.com", f"concurrent {i}", body=f"post {i}\r\n"))

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(post, range(50)))
        self.assertEqual(results, [{}] * 50)
        files = [p for p in inbox(self.root, "alice") if p not in start]
        self.assertEqual(len(files), 50)
        numbers, bodies = [], set()
        for f in files:
            m = parse(f)
            n = int(m["X-Mail-Count"])
            numbers.append(n)
            bodies.add(m.get_payload())
            # The tag carries the same number as the header.
            self.assertTrue(m["Subject"].startswith("[sales:%05d] concurrent " % n), m["Subject"])
        numbers.sort()
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 50)))  # no dup, no gap
        self.assertEqual(len(bodies), 50)
        with open(os.path.join(self.root, "example.com", ".lists", "sales", "serial")) as f:
            self.assertEqual(int(f.read()), numbers[-1])

    def test_japanese_subjects_keep_their_charset(self):
        topic = "会議の件"
        word = email.header.Header("Re: Re: " + topic, "iso-2022-jp").encode()
        self.assertIn("=?iso-2022-jp?b?", word)
        data = msg("x@remote.test", word)
        self.assertEqual(self.send("x@remote.test", ["jp@example.com"], data), {})
        (got,) = find(self.root, "alice", mid(data))
        m = parse(got)
        raw = m["Subject"]
        self.assertIn("=?iso-2022-jp?B?", raw)
        self.assertNotIn("utf-8", raw.lower())
        n = int(m["X-Mail-Count"])
        self.assertEqual(decoded_subject(m), "[jp:%05d] Re: %s" % (n, topic))
        # A reply to it: the old tag and the stacked Japanese/full-width prefixes go away.
        reply = email.header.Header("返信: Ｒｅ： [jp:%05d] Re: %s" % (n, topic), "utf-8").encode()
        data = msg("x@remote.test", reply)
        self.assertEqual(self.send("x@remote.test", ["jp@example.com"], data), {})
        (got,) = find(self.root, "alice", mid(data))
        m2 = parse(got)
        self.assertIn("=?utf-8?B?", m2["Subject"])
        self.assertEqual(int(m2["X-Mail-Count"]), n + 1)
        self.assertEqual(decoded_subject(m2), "[jp:%05d] Re: %s" % (n + 1, topic))

    def test_cli_edits_reach_the_running_daemon(self):
        cfg = self.d.config
        run = lambda *a: subprocess.run([TEGAMI, "-c", cfg, *a], capture_output=True, text=True)
        r = run("list", "member", "add", "jp@example.com", "dave@example.com", "Dave,", "Ops")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("list", "show", "jp@example.com")
        self.assertIn("dave@example.com  # Dave, Ops", r.stdout)
        before = len(inbox(self.root, "dave"))

        def delivered():
            self.send("x@remote.test", ["jp@example.com"], msg("x@remote.test", "new member?"))
            return len(inbox(self.root, "dave")) > before
        self.assertTrue(wait_for(delivered, timeout=10))
        r = run("list", "member", "del", "jp@example.com", "dave@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)


class ListCtlTest(unittest.TestCase):
    """<list>-ctl@: only an authenticated list admin; a forged From: never works."""

    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"), ("submission", "submission", "starttls")],
                        domains={"example.com.yaml": DOMAIN})
        cls.d.start()
        cls.root = os.path.join(cls.d.dir, "var", "mail")
        cls.domain_file = os.path.join(cls.d.domains_dir, "example.com.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.d.dir, ignore_errors=True)

    def submit(self, user, rcpt, data):
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=60) as s:
            s.starttls(context=tls_context())
            s.login(user, "secret")
            return s.sendmail(user, [rcpt], data)

    def domain_text(self):
        with open(self.domain_file) as f:
            return f.read()

    def test_admin_commands_are_executed_and_answered(self):
        before = set(inbox(self.root, "alice"))
        body = ("members\r\nadd carol@example.com Carol, ACME Inc.\r\n"
                "comment bob@example.com Bob (sales)\r\naddadmin carol@example.com\r\n"
                "remove nobody@example.com\r\nfrobnicate\r\nadmins\r\n-- \r\nAlice\r\n")
        self.assertEqual(self.submit("alice@example.com", "sales-ctl@example.com",
                                     msg("alice@example.com", "commands", body=body)), {})
        text = self.domain_text()
        self.assertIn("comment: \"Carol, ACME Inc.\"", text)
        self.assertIn("comment: \"Bob (sales)\"", text)
        self.assertEqual(subprocess.run([TEGAMI, "-c", self.d.config, "config", "check"],
                                        capture_output=True).returncode, 0)

        def reply():
            for p in set(inbox(self.root, "alice")) - before:
                if b"Results of your commands" in read(p):
                    return read(p)
            return None
        got = wait_for(reply)
        self.assertIsNotNone(got)
        m = email.message_from_bytes(got, policy=email.policy.default)
        self.assertEqual(m["From"], "sales-ctl@example.com")
        self.assertEqual(m["Auto-Submitted"], "auto-replied")
        report = m.get_content()
        self.assertIn("> members\n3 members:", report)
        self.assertIn("OK: carol@example.com added", report)
        self.assertIn("OK: comment of bob@example.com set", report)
        self.assertIn("OK: carol@example.com is now an admin", report)
        self.assertIn("> remove nobody@example.com\nERROR:", report)
        self.assertIn("> frobnicate\nERROR: unknown command", report)
        self.assertIn("2 admins:\n  alice@example.com\n  carol@example.com", report)
        self.assertNotIn("Alice", report.split("admins:")[-1])  # the signature is not a command
        # carol, now an admin, may use the commands once tegamid has reloaded the file.
        def carol_may():
            try:
                self.submit("carol@example.com", "sales-ctl@example.com",
                            msg("carol@example.com", "help", body=""))
                return True
            except smtplib.SMTPRecipientsRefused:
                return False
        self.assertTrue(wait_for(carol_may, timeout=10))
        self.assertEqual(subprocess.run([TEGAMI, "-c", self.d.config, "list", "member", "del",
                                         "sales@example.com", "carol@example.com"],
                                        capture_output=True).returncode, 0)

    def test_non_admin_and_forged_from_are_refused(self):
        before = self.domain_text()
        # bob is a member but not an admin, properly authenticated.
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
            self.submit("bob@example.com", "sales-ctl@example.com",
                        msg("bob@example.com", "add", body="add evil@remote.test\r\n"))
        code, text = cm.exception.recipients["sales-ctl@example.com"]
        self.assertEqual((code, text[:5]), (550, b"5.7.1"))
        # Port 25 with the admin's address in MAIL FROM and From: — no AUTH, no commands.
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
            with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
                s.sendmail("alice@example.com", ["sales-ctl@example.com"],
                           msg("Alice <alice@example.com>", "add",
                               body="add evil@remote.test\r\naddadmin evil@remote.test\r\n"))
        self.assertEqual(cm.exception.recipients["sales-ctl@example.com"][0], 550)
        self.assertEqual(self.domain_text(), before)
        self.assertNotIn("evil", self.domain_text())


    def test_bounces_disable_a_member_after_five(self):
        queue = os.path.join(self.d.dir, "var", "queue", "env")

        def ext_entries():
            return [n for n in os.listdir(queue)
                    if b"\nrcpt ext@remote.test " in read(os.path.join(queue, n))]

        alice_before = set(inbox(self.root, "alice"))
        report = ("From: MAILER-DAEMON@remote.test\r\nSubject: Undelivered Mail\r\n"
                  "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
                  "report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\n"
                  "Content-Type: text/plain\r\n\r\nNo such user.\r\n--b\r\n"
                  "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test"
                  "\r\n\r\nFinal-Recipient: rfc822; ext@remote.test\r\nAction: failed\r\n"
                  "Status: 5.1.1\r\n\r\n--b--\r\n").encode()
        for _ in range(5):
            with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
                self.assertEqual(s.sendmail("<>", ["sales-bounces@example.com"], report), {})
        # Each bounce reached the list admin; the fifth disabled the member and told her.
        got = [read(p) for p in set(inbox(self.root, "alice")) - alice_before]
        self.assertEqual(sum(b"Undelivered Mail" in g for g in got), 5)
        notice = wait_for(lambda: [p for p in set(inbox(self.root, "alice")) - alice_before
                                   if b"disabled after bounces" in read(p)])
        self.assertTrue(notice)
        self.assertIn(b"ext@remote.test", read(notice[0]))
        r = subprocess.run([TEGAMI, "-c", self.d.config, "list", "show", "sales@example.com"],
                           capture_output=True, text=True)
        self.assertIn("disabled: ext@remote.test", r.stdout)
        before = set(ext_entries())
        self.assertEqual(self.send_post(), {})
        self.assertEqual(set(ext_entries()), before)  # no copy queued for the disabled member
        r = subprocess.run([TEGAMI, "-c", self.d.config, "list", "member", "enable",
                            "sales@example.com", "ext@remote.test"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.send_post(), {})
        self.assertEqual(len(set(ext_entries()) - before), 1)

    def send_post(self):
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            return s.sendmail("bob@example.com", ["sales@example.com"],
                              msg("bob@example.com", "after bounces"))


class ListBounceLimitTest(unittest.TestCase):
    """The per-list `bounce_limit`: 2 disables at the second permanent bounce, 0 never."""

    DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: alice
    password: "{PLAIN}secret"
lists:
  - address: quick
    members: [alice, ext@remote.test]
    admins: [alice]
    bounce_limit: 2
  - address: patient
    members: [alice, ext@remote.test]
    admins: [alice]
    bounce_limit: 0
"""

    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": cls.DOMAIN})
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)

    def bounce(self, list_name, times):
        report = ("From: MAILER-DAEMON@remote.test\r\nSubject: Undelivered Mail\r\n"
                  "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
                  "report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\n"
                  "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test"
                  "\r\n\r\nFinal-Recipient: rfc822; ext@remote.test\r\nAction: failed\r\n"
                  "Status: 5.1.1\r\n\r\n--b--\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            for _ in range(times):
                self.assertEqual(s.sendmail("<>", [f"{list_name}-bounces@example.com"], report), {})

    def show(self, list_name):
        r = self.d.tegami("list", "show", f"{list_name}@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_limit_two(self):
        self.bounce("quick", 1)
        self.assertIn("bounce_limit: 2", self.show("quick"))
        self.assertNotIn("disabled: ext@remote.test", self.show("quick"))
        self.bounce("quick", 1)
        self.assertIn("disabled: ext@remote.test", self.show("quick"))
        self.d.wait_log("member ext@remote.test disabled after 2 permanent bounces")

    def test_limit_zero_never_disables(self):
        self.bounce("patient", 7)
        out = self.show("patient")
        self.assertIn("bounce_limit: 0 (never disable)", out)
        self.assertNotIn("disabled: ext@remote.test", out)
        with open(os.path.join(self.d.dir, "var", "mail", "example.com", ".lists", "patient",
                               "bounces")) as f:
            self.assertEqual(f.read().split(), ["7", "ext@remote.test"])


class ListConfigTest(unittest.TestCase):
    """`tegami config check` and `tegami list` on throw-away configs (no daemon)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tegami-lists-")
        os.makedirs(os.path.join(self.dir, "domains"))
        self.cfg = os.path.join(self.dir, "tegami.yaml")
        with open(self.cfg, "w") as f:
            f.write("server:\n  mail_root: var/mail\n  queue_dir: var/queue\n")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def domain(self, text):
        with open(os.path.join(self.dir, "domains", "d.yaml"), "w") as f:
            f.write(text)

    def tegami(self, *args):
        return subprocess.run([TEGAMI, "-c", self.cfg, *args], capture_output=True, text=True)

    def test_cycle_is_refused_by_config_check(self):
        self.domain("domain: d.test\naccounts:\n  - user: u\n"
                    "aliases:\n  - address: via\n    to: [a]\n"
                    "lists:\n  - address: a\n    members: [b, u]\n"
                    "  - address: b\n    members: [via]\n")
        r = self.tegami("config", "check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("mailing list cycle", r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"d\.yaml:\d+:\d+: mailing list cycle")

    def test_list_limit_follows_the_contract(self):
        # max_accounts 4 -> 2 lists.
        self.domain("domain: d.test\nmax_accounts: 4\naccounts:\n  - user: u\n"
                    "lists:\n  - address: one\n    members: [u]\n")
        r = self.tegami("list", "add", "two@d.test", "--member", "u@d.test", "--tag", "two")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.tegami("list", "add", "three@d.test", "--member", "u@d.test")
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 of 2 mailing lists", r.stderr)
        self.assertEqual(self.tegami("config", "check").returncode, 0)
        # A hand edit past the limit is refused by config check.
        with open(os.path.join(self.dir, "domains", "d.yaml"), "a") as f:
            f.write("  - address: three\n    members: [u]\n")
        r = self.tegami("config", "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("more than its limit of 2", r.stdout + r.stderr)

    def test_a_hand_edit_during_a_list_edit_is_kept(self):
        path = os.path.join(self.dir, "domains", "d.yaml")
        self.domain("domain: d.test\naccounts:\n  - user: u\n"
                    "lists:\n  - address: l\n    members: [u]\n")
        env = dict(os.environ, TEGAMI_EDIT_PAUSE_MS="1500")
        p = subprocess.Popen([TEGAMI, "-c", self.cfg, "list", "member", "add", "l@d.test",
                              "x@remote.test"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # the edit is computed and waits before its final re-read
        with open(path) as f:
            text = f.read()
        with open(path + ".hand", "w") as f:
            f.write(text.replace("  - user: u\n", "  - user: u\n  - user: w  # by hand\n"))
        os.rename(path + ".hand", path)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        with open(path) as f:
            text = f.read()
        self.assertIn("- user: w  # by hand", text)
        self.assertIn("x@remote.test", text)
        self.assertEqual(self.tegami("config", "check").returncode, 0)

    def test_member_and_admin_edits_keep_the_rest_of_the_file(self):
        self.domain("# our domain\ndomain: d.test\naccounts:\n  - user: u  # the boss\n"
                    "  - user: v\nlists:\n  - address: l\n    members: [u]\n# trailing note\n")
        self.assertEqual(self.tegami("list", "member", "add", "l@d.test", "v", "Vee, Inc").returncode, 0)
        self.assertEqual(self.tegami("list", "admin", "add", "l@d.test", "v@d.test").returncode, 0)
        r = self.tegami("list", "admin", "add", "l@d.test", "x@d.test")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a member", r.stderr)
        self.assertEqual(self.tegami("list", "member", "comment", "l@d.test", "u", "Ursula").returncode, 0)
        with open(os.path.join(self.dir, "domains", "d.yaml")) as f:
            text = f.read()
        self.assertIn("# our domain", text)
        self.assertIn("- user: u  # the boss", text)
        self.assertIn("# trailing note", text)
        r = self.tegami("list", "show", "l@d.test")
        self.assertIn("u@d.test  # Ursula", r.stdout)
        self.assertIn("v@d.test  # Vee, Inc", r.stdout)
        self.assertIn("admins:\n  v@d.test\n", r.stdout)
        # Removing the member also removes its admin right; the config stays valid.
        self.assertEqual(self.tegami("list", "member", "del", "l@d.test", "v@d.test").returncode, 0)
        r = self.tegami("list", "show", "l@d.test")
        self.assertNotIn("v@d.test", r.stdout)
        self.assertEqual(self.tegami("config", "check").returncode, 0)
        self.assertEqual(self.tegami("list", "del", "l@d.test").returncode, 0)
        self.assertEqual(self.tegami("list", "show", "l@d.test").returncode, 1)


if __name__ == "__main__":
    unittest.main()
