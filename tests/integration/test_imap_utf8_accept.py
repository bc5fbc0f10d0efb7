"""UTF8=ACCEPT (RFC 6855) against the real tegamid: advertised after login; ENABLE answers
`* ENABLED UTF8=ACCEPT` once; before ENABLE nothing changes (modified UTF-7 names, APPEND UTF8
is BAD, any SEARCH charset); after it mailbox names go both ways as UTF-8 in quoted strings
(CREATE, LIST, LSUB, LIST-EXTENDED + LIST-STATUS, STATUS, SELECT, COPY, RENAME,
GETQUOTAROOT), a session without ENABLE sees the same folders in modified UTF-7, invalid
UTF-8 names are refused, APPEND takes `UTF8 (~{n}...)` and stores the bytes unchanged, FETCH
returns UTF-8 header fields as stored, SEARCH takes UTF-8 strings and refuses other charsets
(BAD, RFC 6855 section 3 and erratum 4029), SORT/THREAD likewise. (Debian's Dovecot 2.3 does
not implement UTF8=ACCEPT, so there is no differential run.)"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from imap_raw import RawImap  # noqa: E402
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PLAN_EXTRA = plan_yaml()
DOMAIN = domain_yaml(("alice", "bob"))

NIHONGO = "日本語"
NIHONGO_MUTF7 = "&ZeVnLIqe-"
UTF8_MESSAGE = ("From: 山田 <yamada@例え.jp>\r\nTo: alice@example.com\r\n"
                "Subject: 会議の件 ünïcödé\r\nDate: Mon, 02 Jan 2023 10:00:00 +0900\r\n"
                "Message-ID: <x1@例え.jp>\r\n\r\n本文です。\r\n").encode()


class Utf8Accept(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)

    def login(self, user="alice"):
        r = RawImap(self.d.port("imap"))
        _, st = r.command(f'LOGIN {user}@example.com "{PASSWORD}"')
        assert b"OK" in st, st
        return r

    def cmd(self, r, text):
        """A command with UTF-8 text; returns (untagged, tagged)."""
        r.n += 1
        tag = b"u%d" % r.n
        r.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = r.response()
            if line.startswith(tag + b" "):
                return untagged, line
            untagged.append(line)

    def append_utf8(self, r, mailbox, data, utf8_form=True):
        r.n += 1
        tag = b"u%d" % r.n
        head = b'%s APPEND "%s" ' % (tag, mailbox.encode())
        if utf8_form:
            r.sock.sendall(head + b"UTF8 (~{%d+}\r\n" % len(data) + data + b")\r\n")
        else:
            r.sock.sendall(head + b"{%d+}\r\n" % len(data) + data + b"\r\n")
        while True:
            line = r.response()
            if line.startswith(tag + b" "):
                return line

    def test_1_capability_and_enable(self):
        r = RawImap(self.d.port("imap"))
        caps = r.command("CAPABILITY")[0][0].split()
        self.assertNotIn(b"UTF8=ACCEPT", caps)  # ENABLE needs a login
        r.close()
        r = self.login("bob")
        self.assertIn(b"UTF8=ACCEPT", r.command("CAPABILITY")[0][0].split())
        self.assertEqual(r.command("ENABLE UTF8=ACCEPT")[0], [b"* ENABLED UTF8=ACCEPT\r\n"])
        self.assertEqual(r.command("ENABLE utf8=accept X-UNKNOWN")[0], [b"* ENABLED\r\n"])
        r.close()

    def test_2_before_enable_nothing_changes(self):
        r = self.login()
        _, st = self.cmd(r, f"CREATE {NIHONGO_MUTF7}")
        self.assertIn(b"OK", st)
        untagged, _ = r.command('LIST "" "*"')
        names = [u for u in untagged if NIHONGO_MUTF7.encode() in u]
        self.assertEqual(len(names), 1, untagged)
        self.assertNotIn(NIHONGO.encode(), b"".join(untagged))
        st = self.append_utf8(r, "INBOX", b"Subject: x\r\n\r\nx\r\n")
        self.assertIn(b" BAD ", st)  # UTF8 data item only after ENABLE
        r.command("SELECT INBOX")
        _, st = r.command("SEARCH CHARSET ISO-8859-1 SUBJECT x")
        self.assertIn(b" OK ", st)
        r.command(f"DELETE {NIHONGO_MUTF7}")
        r.close()

    def test_3_names_as_utf8(self):
        r = self.login()
        r.command("ENABLE UTF8=ACCEPT")
        for name in (NIHONGO, f"{NIHONGO}/下位"):
            _, st = self.cmd(r, f'CREATE "{name}"')
            self.assertIn(b" OK ", st)
        untagged, _ = self.cmd(r, 'LIST "" "*"')
        lines = b"".join(untagged).decode()
        self.assertIn(f'"/" "{NIHONGO}"', lines)
        self.assertIn(f'"/" "{NIHONGO}/下位"', lines)
        self.assertNotIn("&", lines)
        # Patterns are UTF-8 too; LIST-EXTENDED with LIST-STATUS.
        untagged, _ = self.cmd(r, f'LIST "" "{NIHONGO}/%" RETURN (STATUS (MESSAGES))')
        self.assertEqual([u.decode() for u in untagged],
                         [f'* LIST () "/" "{NIHONGO}/下位"\r\n',
                          f'* STATUS "{NIHONGO}/下位" (MESSAGES 0)\r\n'])
        self.cmd(r, f'SUBSCRIBE "{NIHONGO}"')
        untagged, _ = self.cmd(r, f'LSUB "" "{NIHONGO}"')
        self.assertEqual(untagged, [f'* LSUB () "/" "{NIHONGO}"\r\n'.encode()])
        untagged, st = self.cmd(r, f'STATUS "{NIHONGO}" (MESSAGES)')
        self.assertEqual(untagged, [f'* STATUS "{NIHONGO}" (MESSAGES 0)\r\n'.encode()], st)
        untagged, _ = self.cmd(r, f'GETQUOTAROOT "{NIHONGO}"')
        self.assertTrue(untagged[0].startswith(f'* QUOTAROOT "{NIHONGO}"'.encode()), untagged)
        # The same folders in modified UTF-7 for a session that did not ENABLE.
        other = self.login()
        untagged, _ = other.command('LIST "" "*"')
        text = b"".join(untagged)
        self.assertIn(NIHONGO_MUTF7.encode(), text)
        self.assertNotIn(NIHONGO.encode(), text)
        other.close()
        # Invalid UTF-8 cannot name a mailbox.
        r.n += 1
        r.sock.sendall(b'u%d CREATE "bad\xff\xfe"\r\n' % r.n)
        st = r.response()
        self.assertIn(b" NO ", st)
        _, st = self.cmd(r, f'RENAME "{NIHONGO}/下位" "{NIHONGO}/名前"')
        self.assertIn(b" OK ", st)
        untagged, _ = self.cmd(r, f'LIST "" "{NIHONGO}/*"')
        self.assertEqual(untagged, [f'* LIST (\\HasNoChildren) "/" "{NIHONGO}/名前"\r\n'.encode()])
        r.close()

    def test_4_append_fetch_search_in_utf8(self):
        r = self.login()
        r.command("ENABLE UTF8=ACCEPT")
        self.cmd(r, 'CREATE "受信箱2"')
        st = self.append_utf8(r, "受信箱2", UTF8_MESSAGE)
        self.assertRegex(st, rb" OK \[APPENDUID \d+ 1\]")
        st = self.append_utf8(r, "受信箱2", b"Subject: plain\r\n\r\nplain\r\n", utf8_form=False)
        self.assertIn(b" OK ", st)  # a plain literal still works
        untagged, st = self.cmd(r, 'SELECT "受信箱2"')
        self.assertIn(b"* 2 EXISTS\r\n", untagged)
        untagged, _ = r.command("FETCH 1 BODY.PEEK[]")
        self.assertIn(UTF8_MESSAGE, untagged[0])  # stored and sent unchanged
        untagged, _ = r.command("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        self.assertIn("Subject: 会議の件 ünïcödé".encode(), untagged[0])
        untagged, _ = r.command("FETCH 1 ENVELOPE")
        self.assertIn("会議の件".encode(), untagged[0])
        self.assertIn("山田".encode(), untagged[0])
        untagged, st = self.cmd(r, 'SEARCH SUBJECT "会議"')
        self.assertEqual(untagged, [b"* SEARCH 1\r\n"], st)
        untagged, st = self.cmd(r, 'SEARCH CHARSET UTF-8 BODY "本文"')
        self.assertEqual(untagged, [b"* SEARCH 1\r\n"], st)
        _, st = r.command("SEARCH CHARSET ISO-2022-JP SUBJECT x")
        self.assertIn(b" BAD ", st)
        _, st = r.command("UID SEARCH RETURN (COUNT) CHARSET SHIFT_JIS ALL")
        self.assertIn(b" BAD ", st)
        _, st = r.command("SORT (DATE) ISO-2022-JP ALL")
        self.assertIn(b" BAD ", st)
        untagged, st = r.command("SORT (SUBJECT) UTF-8 ALL")
        self.assertEqual(untagged, [b"* SORT 2 1\r\n"], st)  # "plain" before "会議"
        _, st = self.cmd(r, 'COPY 1 "日本語の箱"')
        self.assertIn(b"[TRYCREATE]", st)
        self.cmd(r, 'CREATE "日本語の箱"')
        _, st = self.cmd(r, 'COPY 1:2 "日本語の箱"')
        self.assertIn(b" OK ", st)
        untagged, _ = self.cmd(r, 'STATUS "日本語の箱" (MESSAGES)')
        self.assertEqual(untagged, ['* STATUS "日本語の箱" (MESSAGES 2)\r\n'.encode()])
        r.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
