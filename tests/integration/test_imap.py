"""IMAP login paths against the real tegamid with Python's imaplib (issue 6): the greeting's
capabilities, LOGIN where plaintext is allowed, LOGINDISABLED and NO [PRIVACYREQUIRED] where it
is not, STARTTLS then LOGIN, IMAPS, AUTHENTICATE PLAIN (SASL-IR), a wrong password, a refused
plan, the STARTTLS plaintext-injection regression, NAMESPACE/ID, `tegami who` showing the
logged-in user; SPECIAL-USE folders made at first login, Japanese folder names (下書き, 送信済み)
round-tripping through CREATE/LIST/RENAME/STATUS/DELETE in modified UTF-7, and every traversal
form refused with NO [CANNOT] with nothing created outside the Maildir."""
import os
import socket
import ssl
import sys
import time
import imaplib
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from accounts import PASSWORD, domain_yaml  # noqa: E402
from tegamid import Tegamid, tls_context, recv_line  # noqa: E402

PLAN_EXTRA = """limits:
  auth_failure_delay: 100ms
  auth_failure_delay_max: 200ms
plans:
  - name: standard
    mailbox_quota: 50
    protocols: [smtp, submission, pop3, imap]
  - name: noimap
    mailbox_quota: 50
    protocols: [smtp, submission, pop3]
"""


LISTENERS = [
    ("imap", "imap", "starttls", {"allow_plaintext_auth": "true"}),
    ("imap-strict", "imap", "starttls"),
    ("imaps", "imap", "implicit"),
]


class ImapLogin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid(LISTENERS, domains={
            "example.com.yaml": domain_yaml(("alice", "bob"), quota=10),
            "noimap.test.yaml": domain_yaml(("carol",), quota=10, domain="noimap.test", plan="noimap"),
            "small.test.yaml": domain_yaml(("dave", "erin"), quota=10, domain="small.test")
            + "max_imap_connections: 2\n",
        }, main_extra=PLAN_EXTRA)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def client(self, listener="imap"):
        return imaplib.IMAP4("127.0.0.1", self.d.port(listener), timeout=10)

    def test_login_plaintext_allowed(self):
        m = self.client()
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertIn("STARTTLS", m.capabilities)
        typ, data = m.login("alice@example.com", PASSWORD)
        self.assertEqual(typ, "OK")
        typ, data = m.namespace()
        self.assertEqual(data[0], b'(("" "/")) NIL (("shared/" "/"))')
        typ, data = m.xatom("ID", "NIL")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.logout()[0], "BYE")

    def test_logindisabled_before_tls(self):
        m = self.client("imap-strict")
        self.assertIn("LOGINDISABLED", m.capabilities)
        self.assertNotIn("AUTH=PLAIN", m.capabilities)
        # imaplib refuses LOGIN when LOGINDISABLED is advertised; send it by hand.
        tag = m._new_tag().decode()
        m.send(f"{tag} LOGIN alice@example.com \"{PASSWORD}\"\r\n".encode())
        line = m.readline()
        self.assertTrue(line.startswith(f"{tag} NO [PRIVACYREQUIRED]".encode()), line)
        m.starttls(ssl_context=tls_context())
        self.assertNotIn("LOGINDISABLED", m.capabilities)
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertEqual(m.login("alice@example.com", PASSWORD)[0], "OK")
        m.logout()

    def test_imaps_and_authenticate_plain_sasl_ir(self):
        m = imaplib.IMAP4_SSL("127.0.0.1", self.d.port("imaps"), ssl_context=tls_context(),
                              timeout=10)
        self.assertIn("SASL-IR", m.capabilities)
        typ, _ = m.authenticate("PLAIN", lambda _: b"\0alice@example.com\0" + PASSWORD.encode())
        self.assertEqual(typ, "OK")
        m.logout()

    def test_wrong_password_and_refused_plan(self):
        m = self.client()
        with self.assertRaises(imaplib.IMAP4.error) as e:
            m.login("alice@example.com", "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        with self.assertRaises(imaplib.IMAP4.error) as e:
            m.login("carol@noimap.test", PASSWORD)
        self.assertIn("CONTACTADMIN", str(e.exception))
        self.assertEqual(m.login("bob@example.com", PASSWORD)[0], "OK")
        m.logout()

    def test_starttls_injection_regression(self):
        # A LOGIN pipelined in the same packet as STARTTLS must never be answered.
        with socket.create_connection(("127.0.0.1", self.d.port("imap-strict")), timeout=10) as s:
            self.assertTrue(recv_line(s).startswith(b"* OK"))
            s.sendall(b"a STARTTLS\r\nb LOGIN alice@example.com \"Secret 1\"\r\n")
            self.assertTrue(recv_line(s).startswith(b"a OK"))
            t = tls_context().wrap_socket(s)
            t.sendall(b"c CAPABILITY\r\n")
            lines = [recv_line(t), recv_line(t)]
            self.assertTrue(lines[0].startswith(b"* CAPABILITY"), lines)
            self.assertTrue(lines[1].startswith(b"c OK"), lines)
            t.sendall(b"d NOOP\r\n")
            self.assertTrue(recv_line(t).startswith(b"d OK"))
            t.close()

    def test_bad_commands_before_login_disconnect(self):
        with socket.create_connection(("127.0.0.1", self.d.port("imap")), timeout=10) as s:
            recv_line(s)
            s.sendall(b"a FOO\r\nb BAR\r\nc BAZ\r\n")
            data = b""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.assertIn(b"* BYE", data)
            self.assertIn(b"c BAD", data)

    def test_folders_japanese_round_trip_and_traversal_refused(self):
        m = self.client()
        m.login("alice@example.com", PASSWORD)
        typ, data = m.list()
        self.assertEqual(typ, "OK")
        listing = b"\n".join(data)
        for name, attr in ((b"Sent", b"\\Sent"), (b"Drafts", b"\\Drafts"),
                           (b"Trash", b"\\Trash"), (b"Junk", b"\\Junk"),
                           (b"Archive", b"\\Archive")):
            self.assertIn(b" " + attr + b') "/" "' + name + b'"', listing)
        # 下書き and 送信済み in modified UTF-7, as Thunderbird and Outlook send them
        self.assertEqual(m.create('"&Tgtm+DBN-/&kAFP4W4IMH8-"')[0], "OK")
        typ, data = m.list('""', '"&Tgtm+DBN-*"')
        self.assertEqual(data, [b'(\\Noselect \\HasChildren) "/" "&Tgtm+DBN-"',
                                b'(\\HasNoChildren) "/" "&Tgtm+DBN-/&kAFP4W4IMH8-"'])
        root = os.path.join(self.d.dir, "var", "mail", "example.com", "alice")
        self.assertTrue(os.path.isdir(os.path.join(root, ".&Tgtm+DBN-.&kAFP4W4IMH8-", "cur")))
        self.assertEqual(m.rename('"&Tgtm+DBN-/&kAFP4W4IMH8-"', '"&kAFP4W4IMH8-"')[0], "OK")
        typ, data = m.status('"&kAFP4W4IMH8-"', "(MESSAGES UIDNEXT)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"MESSAGES 0", data[0])
        self.assertEqual(m.delete('"&kAFP4W4IMH8-"')[0], "OK")
        before = sorted(os.listdir(os.path.join(self.d.dir, "var", "mail")))
        for bad in ("../evil", "../../evil", "/tmp/evil", "~root", "a/../../evil", "..",
                    "&AC8-tmp", "&AC4ALg-"):
            typ, data = m.create(bad)
            self.assertEqual(typ, "NO", bad)
            self.assertIn(b"[CANNOT]", data[0], bad)
        self.assertEqual(before, sorted(os.listdir(os.path.join(self.d.dir, "var", "mail"))))
        self.assertFalse(os.path.exists(os.path.join(self.d.dir, "evil")))
        m.logout()

    def test_domain_imap_connection_limit_from_the_contract(self):
        sessions = []
        for user in ("dave", "erin"):
            c = self.client()
            c.login(f"{user}@small.test", PASSWORD)
            sessions.append(c)
        third = self.client()
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            third.login("dave@small.test", PASSWORD)
        self.assertIn("[LIMIT]", str(refused.exception))
        # Another domain is not affected by small.test's limit.
        other = self.client()
        self.assertEqual(other.login("bob@example.com", PASSWORD)[0], "OK")
        other.logout()
        # A session that ends gives its place back.
        sessions.pop().logout()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.assertEqual(third.login("dave@small.test", PASSWORD)[0], "OK")
                break
            except imaplib.IMAP4.error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        third.logout()
        for c in sessions:
            c.logout()

    def test_who_shows_the_user(self):
        m = self.client()
        m.login("bob@example.com", PASSWORD)
        out = self.d.tegami("who")
        text = out.stdout.decode(errors="replace")
        self.assertIn("bob@example.com", text)
        m.logout()


if __name__ == "__main__":
    unittest.main()
