"""kill -9 of tegamid around SMTP delivery: after a 250 the message is in the Maildir (also after
a restart); killed during DATA, nothing partial is ever in new/ (or cur/)."""
import glob
import os
import signal
import smtplib
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid  # noqa: E402

DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: bob
    password: "{PLAIN}secret"
    quota: 100
"""


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": DOMAIN})
        self.d.start()
        self.maildir = os.path.join(self.d.dir, "var", "mail", "example.com", "bob")

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def kill9(self):
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait(timeout=10)

    def restart(self):
        # The log is appended to: wait for the second "started" line.
        self.d.start(wait=False)
        self.d.wait_log("started", timeout=20, count=2)

    def files(self, sub):
        return glob.glob(os.path.join(self.maildir, sub, "*"))

    def test_message_survives_kill_after_250(self):
        body = b"Subject: durable\r\n\r\n" + b"z" * 100000 + b"\r\n"
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=10) as s:
            self.assertEqual(s.sendmail("a@remote.test", ["bob@example.com"], body), {})
            self.kill9()  # right after the 250, before QUIT
        new = self.files("new")
        self.assertEqual(len(new), 1)
        with open(new[0], "rb") as f:
            self.assertTrue(f.read().endswith(body.replace(b"\r\n", b"\n")))
        self.restart()  # a restart keeps it
        self.assertEqual(self.files("new"), new)

    def test_kill_during_data_leaves_nothing_in_new(self):
        c = socket.create_connection(("127.0.0.1", self.d.port("smtp")), timeout=10)
        f = c.makefile("rb")
        f.readline()
        c.sendall(b"EHLO c.test\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        for cmd in (b"MAIL FROM:<a@remote.test>", b"RCPT TO:<bob@example.com>", b"DATA"):
            c.sendall(cmd + b"\r\n")
            f.readline()
        c.sendall(b"Subject: partial\r\n\r\n" + b"y" * 500000)
        time.sleep(0.3)
        self.kill9()
        c.close()
        self.assertEqual(self.files("new"), [])
        self.assertEqual(self.files("cur"), [])
        self.restart()
        self.assertEqual(self.files("new"), [])


if __name__ == "__main__":
    unittest.main()
