"""POP3 UIDLs and order after a move from Dovecot (issue 5), against Debian's Dovecot:
- `P` records that Dovecot itself writes (pop3_save_uidl with a custom pop3_uidl_format) are
  the UIDLs tegami serves, so clients do not download everything again; a message that arrives
  later gets tegami's default format;
- `O` (POP3 order) records, as a migration writes them for some messages, give the same
  message order, UIDLs, sizes and contents in tegami as in Dovecot on a copy of the Maildir."""
import os
import poplib
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from dovecot import Dovecot  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PASSWORD = "uidl pw"
UIDVALIDITY = 1234


def message(i):
    return b"From: m%d@example.com\nSubject: message %d\n\n%s\n" % (i, i, b"line\n" * i)


def make_maildir(root, count):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    names = []
    for i in range(count):
        name = f"{1700000000 + i}.M{i}P1.test"
        with open(os.path.join(root, "cur", name + ":2,"), "wb") as f:
            f.write(message(i))
        names.append(name)
    return names


def pop3_view(port, user):
    """[(uidl, size, message bytes)] in the server's message-number order."""
    p = poplib.POP3("127.0.0.1", port, timeout=20)
    try:
        p.user(user)
        p.pass_(PASSWORD)
        _, uidls, _ = p.uidl()
        _, sizes, _ = p.list()
        view = []
        for n, (u, s) in enumerate(zip(uidls, sizes), start=1):
            num, uidl = u.split()
            self_num, size = s.split()
            assert int(num) == n and int(self_num) == n
            _, lines, _ = p.retr(n)
            view.append((uidl.decode(), int(size), b"\r\n".join(lines)))
        return view
    finally:
        p.quit()


class Pop3DovecotUidl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("pop3", "pop3", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml":
                                 "domain: example.com\naccounts:\n" +
                                 "".join(f"  - user: {u}\n    password: \"{{PLAIN}}{PASSWORD}\"\n"
                                         for u in ("alice", "bob"))})
        cls.mail = os.path.join(cls.d.dir, "var", "mail", "example.com")
        cls.work = tempfile.mkdtemp(prefix="tegami-uidl-")
        os.chmod(cls.work, 0o755)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_p_records_written_by_dovecot_are_the_uidls(self):
        old = os.path.join(self.work, "alice")
        make_maildir(old, 5)
        conf = "pop3_uidl_format = dc%u.%v\npop3_save_uidl = yes\n"
        with Dovecot(maildir_root=old, user="alice", password=PASSWORD, extra_conf=conf) as dc:
            before = pop3_view(dc.pop3_port, "alice")
        maildir = os.path.join(self.mail, "alice")
        os.makedirs(self.mail, exist_ok=True)
        shutil.move(old, maildir)  # the move to tegami
        self.assertTrue(all(u.startswith("dc") for u, _, _ in before), before)
        with open(os.path.join(maildir, "dovecot-uidlist")) as f:
            uidlist = f.read()
        self.assertEqual(uidlist.count(" Pdc"), 5, uidlist)  # what Dovecot wrote
        uidvalidity = int(uidlist.split()[1][1:])
        with open(os.path.join(maildir, "new", "1800000000.Mlate.test"), "wb") as f:
            f.write(message(9))  # arrives after the move: no P record

        self.start_tegamid()
        after = pop3_view(self.d.port("pop3"), "alice@example.com")
        self.assertEqual(after[:5], before)
        self.assertEqual(after[5][0], "%08x%08x" % (6, uidvalidity))
        self.assertEqual(after[5][2] + b"\r\n", message(9).replace(b"\n", b"\r\n"))
        # Stable: the next session sees the same UIDLs.
        self.assertEqual(pop3_view(self.d.port("pop3"), "alice@example.com"), after)

    def test_o_records_give_dovecots_message_order(self):
        maildir = os.path.join(self.mail, "bob")
        names = make_maildir(maildir, 6)
        # As a migration writes them: POP3 order for some messages (with the old server's
        # UIDL for two of them); the others come after, in UID order.
        extra = {3: " O1 PUID7-99", 1: " O2", 6: " O3 PUID2-99"}
        with open(os.path.join(maildir, "dovecot-uidlist"), "w") as f:
            f.write(f"3 V{UIDVALIDITY} N7 G0123456789abcdef0123456789abcdef\n")
            for uid, name in enumerate(names, start=1):
                f.write(f"{uid}{extra.get(uid, '')} :{name}\n")
        copy = os.path.join(self.work, "bob")
        shutil.copytree(maildir, copy)
        with Dovecot(maildir_root=copy, user="bob", password=PASSWORD) as dc:
            dovecot = pop3_view(dc.pop3_port, "bob")
        self.assertEqual([u for u, _, _ in dovecot[:3]],
                         ["UID7-99", "%08x%08x" % (1, UIDVALIDITY), "UID2-99"])
        self.start_tegamid()
        self.assertEqual(pop3_view(self.d.port("pop3"), "bob@example.com"), dovecot)

    def setUp(self):
        self.addCleanup(self.d.stop)

    def start_tegamid(self):
        started = self.d.log().count("started") if os.path.exists(self.d.log_path) else 0
        self.d.start(wait=False)
        self.d.wait_log("started", count=started + 1, timeout=20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
