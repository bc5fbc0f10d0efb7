"""IMAP4rev2 (RFC 9051) against the real tegamid: IMAP4rev1 and IMAP4rev2 both advertised;
`ENABLE IMAP4rev2` answered `* ENABLED IMAP4rev2`; after it, per RFC 9051: SELECT/EXAMINE
without RECENT or the UNSEEN code and with an untagged LIST giving the mailbox's canonical name
(also for `select inbox`), `* OK [CLOSED]` when a SELECT closes the selected mailbox, no
\\Recent in FETCH/STORE flags, no RECENT after new mail (NOOP), SEARCH/UID SEARCH answered with
ESEARCH (RETURN (ALL) by default, empty result `* ESEARCH (TAG ..) UID`), LIST says
\\NonExistent for a name that only has children, STATUS DELETED/SIZE and FETCH BINARY work. A
session that did not ENABLE keeps RFC 3501 behaviour. (Debian's Dovecot 2.3 does not implement IMAP4rev2: no differential run.)"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from imap_raw import RawImap  # noqa: E402
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PLAN_EXTRA = plan_yaml()
DOMAIN = domain_yaml(("alice",))


def message(i):
    return (f"From: a{i}@example.org\r\nTo: alice@example.com\r\nSubject: m{i}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n").encode()


class Rev2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)
        r = cls.login(cls)
        for name in ("Work/Projects", "Other"):
            _, st = r.command("CREATE " + name)
            assert b"OK" in st, st
        for i in range(3):
            cls.append(cls, r, "INBOX", message(i), b"(\\Seen) " if i == 0 else b"")
        r.close()

    def login(self):
        r = RawImap(self.d.port("imap"))
        _, st = r.command(f'LOGIN alice@example.com "{PASSWORD}"')
        assert b"OK" in st, st
        return r

    def append(self, r, box, data, flags=b""):
        r.n += 1
        tag = b"p%d" % r.n
        r.sock.sendall(b"%s APPEND %s %s{%d+}\r\n" % (tag, box.encode(), flags, len(data))
                       + data + b"\r\n")
        while True:
            line = r.response()
            if line.startswith(tag + b" "):
                assert b" OK " in line, line
                return

    def rev2(self):
        r = self.login()
        self.assertEqual(r.command("ENABLE IMAP4rev2")[0], [b"* ENABLED IMAP4rev2\r\n"])
        return r

    def test_1_capabilities(self):
        r = RawImap(self.d.port("imap"))
        caps = r.command("CAPABILITY")[0][0].split()
        self.assertIn(b"IMAP4rev1", caps)
        self.assertIn(b"IMAP4rev2", caps)
        r.close()
        r = self.login()
        caps = r.command("CAPABILITY")[0][0].split()
        for c in (b"IMAP4rev1", b"IMAP4rev2", b"ENABLE", b"ESEARCH", b"SEARCHRES", b"UNSELECT",
                  b"UIDPLUS", b"MOVE", b"IDLE", b"NAMESPACE", b"LIST-EXTENDED", b"LIST-STATUS",
                  b"STATUS=SIZE", b"BINARY", b"SPECIAL-USE", b"SASL-IR", b"LITERAL+"):
            self.assertIn(c, caps)
        self.assertEqual(r.command("ENABLE IMAP4rev2 IMAP4rev2")[0], [b"* ENABLED IMAP4rev2\r\n"])
        self.assertEqual(r.command("ENABLE IMAP4rev2")[0], [b"* ENABLED\r\n"])
        r.close()

    def test_2_select_examine_and_closed(self):
        r = self.rev2()
        untagged, st = r.command("SELECT inbox")
        self.assertIn(b"OK [READ-WRITE]", st)
        text = b"".join(untagged)
        self.assertNotIn(b"RECENT", text)
        self.assertNotIn(b"[UNSEEN", text)
        self.assertIn(b'* LIST () "/" "INBOX"\r\n', untagged)  # the canonical name
        for want in (b"* FLAGS (", b"* 3 EXISTS", b"[UIDVALIDITY ", b"[UIDNEXT 4]",
                     b"[PERMANENTFLAGS ("):
            self.assertIn(want, text)
        self.assertNotIn(b"[CLOSED]", text)  # nothing was selected before
        untagged, st = r.command("EXAMINE Other")
        self.assertTrue(untagged[0].startswith(b"* OK [CLOSED]"), untagged)
        self.assertIn(b'* LIST () "/" "Other"\r\n', untagged)
        self.assertIn(b"[READ-ONLY]", st)
        r.close()
        # An RFC 3501 session: RECENT and UNSEEN as before, no LIST; [CLOSED] on reselect all
        # the same, as RFC 7162 3.2.11 asks of a server that offers QRESYNC.
        r = self.login()
        untagged, _ = r.command("EXAMINE INBOX")
        text = b"".join(untagged)
        self.assertIn(b" RECENT\r\n", text)
        self.assertIn(b"[UNSEEN 2]", text)
        self.assertNotIn(b"* LIST", text)
        untagged, _ = r.command("EXAMINE Other")
        self.assertTrue(untagged[0].startswith(b"* OK [CLOSED]"), untagged)
        self.assertNotIn(b"* LIST", b"".join(untagged))
        r.close()

    def test_3_no_recent_anywhere(self):
        r = self.rev2()
        r.command("SELECT INBOX")
        untagged, _ = r.command("FETCH 1:* FLAGS")
        self.assertEqual(len(untagged), 3)
        self.assertNotIn(b"\\Recent", b"".join(untagged))
        untagged, _ = r.command("STORE 2 +FLAGS (\\Flagged)")
        self.assertEqual(untagged, [b"* 2 FETCH (FLAGS (\\Flagged))\r\n"])
        r.command("STORE 2 -FLAGS (\\Flagged)")
        other = self.login()
        self.append(other, "INBOX", message(9))
        untagged, _ = r.command("NOOP")
        self.assertIn(b"* 4 EXISTS\r\n", untagged)
        self.assertNotIn(b"RECENT", b"".join(untagged))
        other.close()
        r.command("UID STORE 4 +FLAGS.SILENT (\\Deleted)")
        r.command("EXPUNGE")
        r.close()

    def test_4_search_answers_esearch(self):
        r = self.rev2()
        r.command("SELECT INBOX")
        r.n += 1
        r.sock.sendall(b"s1 SEARCH UNSEEN\r\n")
        self.assertEqual(r.response(), b'* ESEARCH (TAG "s1") ALL 2:3\r\n')
        self.assertTrue(r.response().startswith(b"s1 OK"))
        r.sock.sendall(b"s2 UID SEARCH SUBJECT nothing-here\r\n")
        self.assertEqual(r.response(), b'* ESEARCH (TAG "s2") UID\r\n')
        self.assertTrue(r.response().startswith(b"s2 OK"))
        r.sock.sendall(b"s3 SEARCH RETURN (COUNT) ALL\r\n")
        self.assertEqual(r.response(), b'* ESEARCH (TAG "s3") COUNT 3\r\n')
        self.assertTrue(r.response().startswith(b"s3 OK"))
        r.sock.sendall(b"s4 SEARCH RETURN (SAVE) SEEN\r\ns5 FETCH $ UID\r\n")
        self.assertTrue(r.response().startswith(b"s4 OK"))  # SAVE alone: still no answer
        self.assertEqual(r.response(), b"* 1 FETCH (UID 1)\r\n")
        r.close()

    def test_5_list_status_binary(self):
        r = self.rev2()
        untagged, _ = r.command('LIST "" "*"')
        work = [u for u in untagged if u.rstrip().endswith(b'"Work"') or u.rstrip().endswith(b" Work")]
        self.assertEqual(len(work), 1, untagged)
        self.assertIn(b"\\NonExistent", work[0])
        self.assertNotIn(b"\\Noselect", work[0])
        untagged, st = r.command("STATUS INBOX (MESSAGES DELETED SIZE)")
        self.assertRegex(untagged[0], rb"MESSAGES 3 DELETED 0 SIZE \d+")
        r.command("EXAMINE INBOX")
        untagged, _ = r.command("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
        self.assertIn(b"hello world", untagged[0])
        self.assertIn(b"BINARY.SIZE[1] 11", untagged[0])
        r.close()
        r = self.login()  # RFC 3501 LIST is unchanged
        untagged, _ = r.command('LIST "" "Work"')
        self.assertIn(b"\\Noselect", untagged[0])
        r.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
