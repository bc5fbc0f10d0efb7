"""POP3 against the real tegamid with Python's poplib (issue 5): USER/PASS where the listener
allows plaintext, [AUTH] where it does not, STLS and POP3S, RETR/TOP byte-exact with CRLF and
dot-stuffing, UIDL in Dovecot's format and stable across a restart, DELE+QUIT expunges and
updates maildirsize, a dropped connection keeps everything, [IN-USE] with two clients and with
two tegamid processes on one tree, the STLS injection regression, a refused plan, AUTH PLAIN
with an initial response, and fail2ban's stock dovecot filter on the real log."""
import base64
import os
import poplib
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from accounts import PASSWORD, domain_yaml  # noqa: E402
from tegamid import Tegamid, tls_context  # noqa: E402

PLAN_EXTRA = """limits:
  auth_failure_delay: 100ms
  auth_failure_delay_max: 200ms
plans:
  - name: standard
    mailbox_quota: 50
    protocols: [smtp, submission, pop3, imap]
  - name: nopop
    mailbox_quota: 50
    protocols: [smtp, submission, imap]
"""


LISTENERS = [
    ("pop3", "pop3", "starttls", {"allow_plaintext_auth": "true"}),
    ("pop3-strict", "pop3", "starttls"),
    ("pop3s", "pop3", "implicit"),
]

MESSAGES = [
    b"From: a@example.com\nSubject: one\n\nHello\n.dot line\n..two dots\nlast\n",
    b"From: b@example.com\nSubject: two\n\nbody 1\nbody 2\nbody 3\nbody 4\n",
    b"From: c@example.com\nSubject: three, no final newline\n\nabc",
]


def crlf(data):
    return data.replace(b"\n", b"\r\n")


def put_messages(maildir, messages):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for i, m in enumerate(messages):
        name = f"{1700000000 + i}.M{i}P{os.getpid()}.test,S={len(m)}"
        with open(os.path.join(maildir, "new", name), "wb") as f:
            f.write(m)


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Pop3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid(LISTENERS, domains={
            "example.com.yaml": domain_yaml(("alice", "bob"), quota=10),
            "cheap.test.yaml": domain_yaml(("carol",), quota=10, domain="cheap.test", plan="nopop"),
        }, main_extra=PLAN_EXTRA)
        cls.maildir = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        put_messages(cls.maildir, MESSAGES)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def client(self, name="pop3", user="alice@example.com"):
        p = poplib.POP3("127.0.0.1", self.d.port(name), timeout=20)
        if user:
            p.user(user)
            p.pass_(PASSWORD)
        return p

    def files(self):
        return sorted(os.listdir(os.path.join(self.maildir, "new")) +
                      os.listdir(os.path.join(self.maildir, "cur")))

    def test_1_download_is_byte_exact_with_dot_stuffing(self):
        p = self.client()
        try:
            count, size = p.stat()
            self.assertEqual(count, 3)
            sizes = [len(crlf(m)) for m in MESSAGES]
            self.assertEqual(size, sum(sizes))
            _, listing, _ = p.list()
            self.assertEqual([int(x.split()[1]) for x in listing], sizes)
            for i, m in enumerate(MESSAGES):
                _, lines, _ = p.retr(i + 1)
                self.assertEqual(b"\r\n".join(lines), crlf(m).rstrip(b"\r\n"))
            # TOP 1 of message 2: header, blank line, one body line.
            _, lines, _ = p.top(2, 1)
            self.assertEqual(lines, [b"From: b@example.com", b"Subject: two", b"", b"body 1"])
            _, lines, _ = p.top(2, 0)
            self.assertEqual(lines[-1], b"")
            self.assertEqual(len(lines), 3)
            # UIDL: Dovecot's default %08Xu%08Xv, which it prints in lowercase hex.
            _, uidls, _ = p.uidl()
            for n, line in enumerate(uidls):
                num, uidl = line.split()
                self.assertEqual(int(num), n + 1)
                self.assertRegex(uidl.decode(), r"^[0-9a-f]{16}$")
                self.assertEqual(int(uidl[:8], 16), n + 1)
            with self.assertRaises(poplib.error_proto):
                p.retr(9)
        finally:
            p.quit()

    def test_2_capa(self):
        p = self.client(user=None)
        caps = p.capa()
        for c in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS",
                  "IMPLEMENTATION"):
            self.assertIn(c, caps)
        self.assertEqual(caps["SASL"], ["PLAIN", "LOGIN"])
        p.quit()
        strict = poplib.POP3("127.0.0.1", self.d.port("pop3-strict"), timeout=20)
        caps = strict.capa()
        self.assertNotIn("USER", caps)
        self.assertIn("STLS", caps)
        strict.quit()

    def test_3_plaintext_refused_before_tls_then_stls_works(self):
        p = poplib.POP3("127.0.0.1", self.d.port("pop3-strict"), timeout=20)
        with self.assertRaises(poplib.error_proto) as e:
            p.user("alice@example.com")
        self.assertIn(b"[AUTH]", e.exception.args[0])
        p.stls(context=tls_context())
        self.assertNotIn("STLS", p.capa())
        p.user("alice@example.com")
        p.pass_(PASSWORD)
        self.assertEqual(p.stat()[0], 3)
        p.quit()

    def test_4_pop3s_and_auth_plain_initial_response(self):
        p = poplib.POP3_SSL("127.0.0.1", self.d.port("pop3s"), context=tls_context(), timeout=20)
        ir = base64.b64encode(b"\0alice@example.com\0" + PASSWORD.encode()).decode()
        resp = p._shortcmd("AUTH PLAIN " + ir)
        self.assertTrue(resp.startswith(b"+OK"))
        self.assertEqual(p.stat()[0], 3)
        p.quit()

    def test_5_wrong_password_gets_auth_error(self):
        p = self.client(user=None)
        p.user("alice@example.com")
        with self.assertRaises(poplib.error_proto) as e:
            p.pass_("secret 1")  # passwords are case-sensitive
        self.assertIn(b"[AUTH]", e.exception.args[0])
        p.quit()

    def test_6_plan_without_pop3_gets_sys_perm(self):
        p = self.client(user=None)
        p.user("carol@cheap.test")
        with self.assertRaises(poplib.error_proto) as e:
            p.pass_(PASSWORD)
        self.assertIn(b"[SYS/PERM]", e.exception.args[0])
        p.quit()

    def test_7_in_use_with_two_clients_released_on_quit_and_disconnect(self):
        first = self.client()
        second = self.client(user=None)
        second.user("alice@example.com")
        with self.assertRaises(poplib.error_proto) as e:
            second.pass_(PASSWORD)
        self.assertIn(b"[IN-USE]", e.exception.args[0])
        first.quit()
        second.user("alice@example.com")
        second.pass_(PASSWORD)  # released on QUIT
        second.sock.shutdown(socket.SHUT_RDWR)  # dropped without QUIT
        second.sock.close()
        def can_login():
            try:
                p = self.client()
            except poplib.error_proto:
                return False
            p.quit()
            return True
        self.assertTrue(wait_until(can_login))

    def test_7b_reconnect_right_after_quit_is_not_in_use(self):
        for _ in range(20):
            p = self.client()
            p.stat()
            p.quit()

    def test_8_disconnect_without_quit_keeps_everything(self):
        before = self.files()
        p = self.client()
        p.dele(1)
        p.dele(2)
        p.sock.shutdown(socket.SHUT_RDWR)
        p.sock.close()
        time.sleep(0.3)
        self.assertEqual(len(self.files()), len(before))
        p = self.client()
        self.assertEqual(p.stat()[0], 3)
        p.quit()

    def test_9_stls_injection_is_not_answered(self):
        s = socket.create_connection(("127.0.0.1", self.d.port("pop3-strict")), timeout=10)
        f = s.makefile("rb")
        self.assertTrue(f.readline().startswith(b"+OK"))
        s.sendall(b"STLS\r\nCAPA\r\n")
        self.assertTrue(f.readline().startswith(b"+OK Begin TLS"))
        t = tls_context().wrap_socket(s, server_hostname="mail.test")
        t.sendall(b"NOOP\r\n")
        reply = t.recv(4096)
        # The injected CAPA was discarded: the first reply is NOOP's (an error before login).
        self.assertTrue(reply.startswith(b"-ERR"), reply)
        self.assertNotIn(b"Capability", reply)
        t.close()


class Pop3Update(unittest.TestCase):
    """DELE+QUIT, UIDL across restart, two tegamid processes on one tree, fail2ban."""

    def setUp(self):
        self.d = Tegamid([LISTENERS[0], LISTENERS[2]], domains={"example.com.yaml": domain_yaml(("alice", "bob"), quota=10)},
                         main_extra=PLAN_EXTRA)
        self.maildir = os.path.join(self.d.dir, "var", "mail", "example.com", "alice")
        put_messages(self.maildir, MESSAGES)
        self.d.start()

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def login(self, d=None):
        d = d or self.d
        p = poplib.POP3("127.0.0.1", d.port("pop3"), timeout=20)
        p.user("alice@example.com")
        p.pass_(PASSWORD)
        return p

    def quota_usage(self):
        with open(os.path.join(self.maildir, "maildirsize")) as f:
            lines = f.read().splitlines()[1:]
        return (sum(int(l.split()[0]) for l in lines), sum(int(l.split()[1]) for l in lines))

    def test_dele_quit_expunges_and_updates_quota_and_uidl_survives_restart(self):
        p = self.login()
        _, uidls, _ = p.uidl()
        p.retr(3)
        p.dele(1)
        p.quit()
        names = os.listdir(os.path.join(self.maildir, "new")) + \
            os.listdir(os.path.join(self.maildir, "cur"))
        self.assertEqual(len(names), 2)
        self.assertEqual(self.quota_usage(), (len(MESSAGES[1]) + len(MESSAGES[2]), 2))
        # RETR marked message 3 \Seen (the flag IMAP sees).
        self.assertTrue(any(n.endswith(":2,S") for n in names), names)
        self.d.stop()
        self.d.start(wait=False)
        self.d.wait_log("started", count=2, timeout=20)
        p = self.login()
        _, after, _ = p.uidl()
        p.quit()
        self.assertEqual([u.split()[1] for u in after], [u.split()[1] for u in uidls[1:]])

    def test_in_use_across_two_tegamid_processes(self):
        other = Tegamid(LISTENERS[:1], domains={"example.com.yaml": domain_yaml(("alice", "bob"), quota=10)},
                        main_extra=PLAN_EXTRA)
        os.symlink(os.path.join(self.d.dir, "var"), os.path.join(other.dir, "var"))
        with other:
            p = self.login()
            q = poplib.POP3("127.0.0.1", other.port("pop3"), timeout=20)
            q.user("alice@example.com")
            with self.assertRaises(poplib.error_proto) as e:
                q.pass_(PASSWORD)
            self.assertIn(b"[IN-USE]", e.exception.args[0])
            p.quit()
            q.user("alice@example.com")
            q.pass_(PASSWORD)
            self.assertEqual(q.stat()[0], 3)
            q.quit()

    def test_curl_pop3_and_pop3s_download(self):
        for url in (f"pop3://127.0.0.1:{self.d.port('pop3')}/1",
                    f"pop3s://127.0.0.1:{self.d.port('pop3s')}/1"):
            out = subprocess.run(["curl", "-sS", "-k", "--max-time", "30", "-u",
                                  f"alice@example.com:{PASSWORD}", url],
                                 capture_output=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, crlf(MESSAGES[0]), url)
        out = subprocess.run(["curl", "-sS", "--max-time", "30", "-u",
                              f"alice@example.com:{PASSWORD}",
                              f"pop3://127.0.0.1:{self.d.port('pop3')}/"],
                             capture_output=True, timeout=60)
        self.assertEqual(out.stdout.split(b"\r\n")[0], b"1 %d" % len(crlf(MESSAGES[0])))

    def test_20_mb_message_is_byte_exact(self):
        line = b"0123456789abcdefghijklmnopqrstuvwxyz.-+=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n"
        body = b"Subject: big\n\n" + b"".join(
            (b"." if i % 97 == 0 else b"") + line for i in range(20 * 1024 * 1024 // len(line)))
        with open(os.path.join(self.maildir, "new", "1800000000.Mbig.test"), "wb") as f:
            f.write(body)
        p = self.login()
        count, _ = p.stat()
        listing = p.list(count)  # b"+OK <n> <size>"
        self.assertEqual(int(listing.split()[2]), len(crlf(body)))
        _, lines, _ = p.retr(count)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", crlf(body))
        p.quit()

    def test_fail2ban_dovecot_filter_matches_failed_pop3_logins(self):
        for _ in range(3):
            p = poplib.POP3("127.0.0.1", self.d.port("pop3"), timeout=20)
            p.user("alice@example.com")
            with self.assertRaises(poplib.error_proto):
                p.pass_("wrong")
            p.quit()
        log = self.d.wait_log("pop3-login: Disconnected (auth failed", count=3)
        self.assertIn("rip=127.0.0.1", log)
        out = subprocess.run(["fail2ban-regex", "--print-all-matched", self.d.log_path,
                              "/etc/fail2ban/filter.d/dovecot.conf"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        import re
        m = re.search(r"Failregex: (\d+) total", out.stdout)
        self.assertIsNotNone(m, out.stdout)
        self.assertGreaterEqual(int(m.group(1)), 3, out.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
