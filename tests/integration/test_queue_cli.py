"""`tegami queue list|show|flush|retry|delete` against queue entries written in the on-disk
format (docs/formats.md "The mail queue"), with and without a running tegamid. The entries are
for local recipients whose last attempt failed temporarily and whose next attempt is a day
away, so the queue manager leaves them alone until told: retry and flush must make the running
tegamid deliver them now (the message appears in the INBOX, the entry goes), delete must remove
one without delivering it, and without a daemon the commands change the files themselves."""
import glob
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid  # noqa: E402
from queue_files import write_version1, write_version2  # noqa: E402
from polling import wait_for  # noqa: E402

DOMAIN = """domain: example.com
accounts:
  - user: alice
    password: "{PLAIN}secret"
  - user: bob
    password: "{PLAIN}secret"
"""


def xtext(s):
    return "".join(c if 33 <= ord(c) <= 126 and c not in "+=" else "+%02X" % ord(c) for c in s)


class QueueCliTest(unittest.TestCase):
    def setUp(self):
        self.d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": DOMAIN})
        self.queue = os.path.join(self.d.dir, "var", "queue")
        self.serial = 0

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def add_entry(self, rcpt, subject, arrival_ago=3600, next_in=86400,
                  reply="451 4.3.0 Mailbox temporarily unavailable", version=2):
        """A deferred entry; version 1 is the layout of tegami before 2026-12 (env/ + msg/),
        which tegamid migrates at start and `tegami queue` reads as it is."""
        self.serial += 1
        now = int(time.time())
        qid = f"{now - arrival_ago}.M{self.serial}P1Q{self.serial}.test"
        body = (f"From: carol@example.org\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\r\n"
                f"body of {subject}\r\n").encode()
        env = (f"tegami-queue {version}\narrival {now - arrival_ago}\n"
               f"sender {xtext('carol@example.org')}\n"
               f"rcpt {xtext(rcpt)} - -\nend\n"
               f"state 0 deferred 2 {now + next_in} - - {xtext(reply)}\n").encode()
        (write_version1 if version == 1 else write_version2)(self.queue, qid, env, body)
        return qid, len(body)

    def inbox(self, user):
        paths = glob.glob(os.path.join(self.d.dir, "var", "mail", "example.com", user, "new", "*"))
        out = []
        for p in paths:
            with open(p, "rb") as f:
                out.append(f.read())
        return out

    def tegami(self, *args):
        r = self.d.tegami(*args)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def test_list_and_show_without_daemon(self):
        rc, out, _ = self.tegami("queue", "list")
        self.assertEqual((rc, out.strip()), (0, "Mail queue is empty"))
        a, size_a = self.add_entry("alice@example.com", "first", arrival_ago=7200)
        b, _ = self.add_entry("bob@example.com", "second", arrival_ago=60,
                              reply="452 4.2.2 Mailbox full", version=1)
        rc, out, err = self.tegami("queue", "list")
        self.assertEqual(rc, 0, err)
        self.assertLess(out.index(a), out.index(b))  # oldest first
        self.assertIn("carol@example.org", out)
        self.assertIn("alice@example.com", out)
        self.assertRegex(out, r"deferred \(2 attempts, next in (1d|23h59m)\)")
        self.assertIn("452 4.2.2 Mailbox full", out)
        self.assertIn("2h", out)
        self.assertIn("in 2 messages", out)
        rc, out, err = self.tegami("queue", "show", b)  # a version 1 entry
        self.assertEqual(rc, 0, err)
        self.assertIn("Subject: second", out)
        rc, out, err = self.tegami("queue", "list", "--json")
        self.assertEqual(rc, 0, err)
        data = json.loads(out)
        self.assertEqual(data["count"], 2)
        first = data["entries"][0]
        self.assertEqual(first["id"], a)
        self.assertEqual(first["size"], size_a)
        self.assertEqual(first["sender"], "carol@example.org")
        self.assertGreaterEqual(first["age"], 7200)
        rcpt = first["recipients"][0]
        self.assertEqual((rcpt["address"], rcpt["state"], rcpt["attempts"]),
                         ("alice@example.com", "deferred", 2))
        self.assertEqual(rcpt["last_reply"], "451 4.3.0 Mailbox temporarily unavailable")
        rc, out, err = self.tegami("queue", "show", a)
        self.assertEqual(rc, 0, err)
        self.assertIn("sender: carol@example.org", out)
        self.assertIn("Subject: first", out)
        self.assertNotIn("body of first", out)  # the header only
        rc, out, err = self.tegami("queue", "show", a, "--json")
        self.assertEqual(json.loads(out)["header"].splitlines()[2], "Subject: first")
        rc, _, err = self.tegami("queue", "show", "no-such-id")
        self.assertEqual(rc, 1)
        rc, _, err = self.tegami("queue", "show", "../../etc/passwd")
        self.assertEqual(rc, 1)

    def test_delete_and_retry_without_daemon(self):
        a, _ = self.add_entry("alice@example.com", "one", version=1)
        b, _ = self.add_entry("bob@example.com", "two")
        rc, out, err = self.tegami("queue", "delete", a)
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.queue, "env", a)))
        self.assertFalse(os.path.exists(os.path.join(self.queue, "msg", a)))
        rc, out, err = self.tegami("queue", "delete", a)
        self.assertEqual(rc, 1)
        rc, out, err = self.tegami("queue", "retry", b)
        self.assertEqual(rc, 0, err)
        self.assertIn("not running", out)
        # The next attempt is now: the daemon delivers it as soon as it starts.
        self.d.start()
        self.assertTrue(wait_for(lambda: any(b"Subject: two" in m for m in self.inbox("bob"))))
        self.assertTrue(wait_for(lambda: not os.path.exists(os.path.join(self.queue, "env", b))))

    def test_retry_flush_delete_with_running_daemon(self):
        a, _ = self.add_entry("alice@example.com", "retry me", version=1)
        b, _ = self.add_entry("bob@example.com", "flush me")
        c, _ = self.add_entry("bob@example.com", "delete me", version=1)
        self.d.start()
        time.sleep(1.0)  # the manager's first scan: nothing is due
        # The version 1 entries were migrated to one file each, their msg/ is gone.
        self.assertFalse(os.path.exists(os.path.join(self.queue, "msg")))
        for qid in (a, c):
            with open(os.path.join(self.queue, "env", qid), "rb") as f:
                self.assertTrue(f.read().startswith(b"tegami-queue 2\n"))
        self.assertEqual(self.inbox("alice"), [])
        self.assertEqual(self.inbox("bob"), [])
        rc, out, err = self.tegami("queue", "delete", c)
        self.assertEqual(rc, 0, err)
        self.assertIn("deleted", out)
        self.assertFalse(os.path.exists(os.path.join(self.queue, "env", c)))
        rc, out, err = self.tegami("queue", "retry", a)
        self.assertEqual(rc, 0, err)
        self.assertTrue(wait_for(lambda: any(b"Subject: retry me" in m
                                             for m in self.inbox("alice"))))
        self.assertTrue(wait_for(lambda: not os.path.exists(os.path.join(self.queue, "env", a))))
        self.assertEqual(self.inbox("bob"), [])  # retry touched only its entry
        rc, out, err = self.tegami("queue", "flush")
        self.assertEqual(rc, 0, err)
        self.assertTrue(wait_for(lambda: any(b"Subject: flush me" in m
                                             for m in self.inbox("bob"))))
        self.assertTrue(wait_for(lambda: not os.listdir(os.path.join(self.queue, "env"))))
        self.assertFalse(any(b"Subject: delete me" in m for m in self.inbox("bob")))
        rc, out, err = self.tegami("queue", "retry", "1.M1P1Q1.unknown")
        self.assertEqual(rc, 1)
        self.d.wait_log("control: queue delete " + c)


if __name__ == "__main__":
    unittest.main()
