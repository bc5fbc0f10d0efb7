"""POP3 limits and the mark-seen setting against the real tegamid (issue 5): 3 bad commands
before login and 20 after close the session (the count starts again at login), an over-long
command line gets -ERR and counts as a bad command, a silent session is closed after
pop3.idle_timeout (shortened to 2 s here; the default is RFC 1939's 10 minutes) without
expunging anything, and RETR marks messages \\Seen for IMAP only where the domain's
pop3_mark_seen (default: pop3.mark_seen) says so — checked on disk and through IMAP."""
import imaplib
import os
import poplib
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid  # noqa: E402

PASSWORD = "limits pw"
IDLE = 2  # seconds
MAX_LINE = 1024
MAIN_EXTRA = f"""limits:
  auth_failure_delay: 100ms
  auth_failure_delay_max: 200ms
  max_line_length: {MAX_LINE}
pop3:
  mark_seen: false
  idle_timeout: {IDLE}s
"""
MESSAGE = b"From: a@example.com\nSubject: limits\n\nbody line\n"


def domain_yaml(name, users, extra=""):
    text = f"domain: {name}\nmax_accounts: 10\n{extra}accounts:\n"
    for u in users:
        text += f"  - user: {u}\n    password: \"{{PLAIN}}{PASSWORD}\"\n"
    return text


def put_message(maildir, name="1700000000.M1P1.test"):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    with open(os.path.join(maildir, "new", name), "wb") as f:
        f.write(MESSAGE)


class Raw:
    """A line-at-a-time POP3 client on a plain socket (every read bounded)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.file = self.sock.makefile("rb")
        self.greeting = self.file.readline()

    def cmd(self, line):
        self.sock.sendall(line + b"\r\n")
        return self.file.readline()

    def closed_by_server(self):
        try:
            return self.file.readline() == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def login(self, user):
        assert self.cmd(b"USER " + user.encode()).startswith(b"+OK")
        reply = self.cmd(b"PASS " + PASSWORD.encode())
        assert reply.startswith(b"+OK"), reply

    def close(self):
        self.file.close()
        self.sock.close()


class Pop3Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("pop3", "pop3", "none", {"allow_plaintext_auth": "true"}),
                         ("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={
                            "example.com.yaml": domain_yaml("example.com", ("alice", "bob",
                                                                            "dave")),
                            "seen.test.yaml": domain_yaml("seen.test", ("carol",),
                                                          "pop3_mark_seen: true\n"),
                        }, main_extra=MAIN_EXTRA)
        cls.mail = os.path.join(cls.d.dir, "var", "mail")
        put_message(os.path.join(cls.mail, "example.com", "alice"))
        put_message(os.path.join(cls.mail, "example.com", "bob"))
        put_message(os.path.join(cls.mail, "example.com", "dave"))
        put_message(os.path.join(cls.mail, "seen.test", "carol"))
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def raw(self):
        r = Raw(self.d.port("pop3"))
        self.addCleanup(r.close)
        self.assertTrue(r.greeting.startswith(b"+OK"))
        return r

    def test_three_bad_commands_before_login_close_the_session(self):
        r = self.raw()
        self.assertTrue(r.cmd(b"FOO").startswith(b"-ERR"))
        self.assertTrue(r.cmd(b"STAT").startswith(b"-ERR Not logged in"))
        self.assertTrue(r.cmd(b"CAPA").startswith(b"+OK"))  # still open after two
        while r.file.readline() not in (b".\r\n", b""):
            pass
        self.assertEqual(r.cmd(b"BAR"), b"-ERR Unknown command.\r\n")
        self.assertEqual(r.file.readline(), b"-ERR Too many bad commands.\r\n")
        self.assertTrue(r.closed_by_server())

    def test_twenty_bad_commands_after_login_close_the_session(self):
        r = self.raw()
        r.cmd(b"FOO")
        r.cmd(b"FOO")  # two before login: the count starts again at login
        r.login("alice@example.com")
        for i in range(19):
            reply = r.cmd(b"XYZZY %d" % i if i % 2 else b"USER again")
            self.assertTrue(reply.startswith(b"-ERR"), reply)
        self.assertTrue(r.cmd(b"STAT").startswith(b"+OK 1 "))  # still open after 19
        self.assertTrue(r.cmd(b"RETR 7").startswith(b"-ERR There's no message"))  # not "bad"
        self.assertTrue(r.cmd(b"FOO").startswith(b"-ERR"))
        self.assertEqual(r.file.readline(), b"-ERR Too many bad commands.\r\n")
        self.assertTrue(r.closed_by_server())
        # Nothing was committed, and the lock went with the session.
        p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=15)
        p.user("alice@example.com")
        p.pass_(PASSWORD)
        self.assertEqual(p.stat()[0], 1)
        p.quit()

    def test_over_long_line_gets_an_error_and_counts_as_bad(self):
        r = self.raw()
        r.login("bob@example.com")
        self.assertEqual(r.cmd(b"NOOP " + b"x" * MAX_LINE), b"-ERR Line too long.\r\n")
        self.assertEqual(r.cmd(b"NOOP"), b"+OK\r\n")  # the rest of the long line was skipped
        # 1 MB without a line end: one error, bounded memory, the session goes on.
        r.sock.sendall(b"A" * (1 << 20))
        self.assertEqual(r.cmd(b""), b"-ERR Line too long.\r\n")
        self.assertTrue(r.cmd(b"STAT").startswith(b"+OK 1 "))
        r.cmd(b"QUIT")
        # Before login the same errors count against the limit of 3.
        r = self.raw()
        for _ in range(3):
            self.assertEqual(r.cmd(b"USER " + b"u" * (2 * MAX_LINE)), b"-ERR Line too long.\r\n")
        self.assertEqual(r.file.readline(), b"-ERR Too many bad commands.\r\n")
        self.assertTrue(r.closed_by_server())

    def test_idle_timeout_closes_a_silent_session_and_expunges_nothing(self):
        r = self.raw()
        r.login("dave@example.com")
        self.assertEqual(r.cmd(b"DELE 1"), b"+OK Marked to be deleted.\r\n")
        start = time.monotonic()
        r.sock.settimeout(IDLE + 10)
        self.assertEqual(r.file.readline(), b"-ERR Disconnected for inactivity.\r\n")
        waited = time.monotonic() - start
        self.assertGreaterEqual(waited, IDLE - 0.5)
        self.assertLess(waited, IDLE + 5)
        self.assertTrue(r.closed_by_server())
        p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=15)
        p.user("dave@example.com")
        p.pass_(PASSWORD)  # the lock was released
        self.assertEqual(p.stat()[0], 1)  # DELE without QUIT: kept
        p.quit()
        # Before login too.
        r = self.raw()
        r.sock.settimeout(IDLE + 10)
        self.assertEqual(r.file.readline(), b"-ERR Disconnected for inactivity.\r\n")

    def imap_flags(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=15)
        m.login(user, PASSWORD)
        m.select("INBOX", readonly=True)
        _, data = m.fetch("1", "(FLAGS)")
        m.logout()
        return data[0]

    def test_mark_seen_follows_the_domain_setting(self):
        # pop3.mark_seen is false; seen.test sets pop3_mark_seen: true; example.com inherits.
        for user, seen in (("carol@seen.test", True), ("alice@example.com", False)):
            local, domain = user.split("@")
            p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=15)
            p.user(user)
            p.pass_(PASSWORD)
            _, lines, _ = p.retr(1)
            self.assertEqual(b"\r\n".join(lines) + b"\r\n", MESSAGE.replace(b"\n", b"\r\n"))
            p.quit()
            maildir = os.path.join(self.mail, domain, local)
            names = os.listdir(os.path.join(maildir, "new")) + \
                os.listdir(os.path.join(maildir, "cur"))
            self.assertEqual(len(names), 1)
            self.assertEqual(names[0].endswith(":2,S"), seen, names)
            self.assertEqual(b"\\Seen" in self.imap_flags(user), seen, user)


if __name__ == "__main__":
    unittest.main(verbosity=2)
