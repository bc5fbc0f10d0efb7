"""DKIM signing end to end, checked by an independent verifier (Debian's python3-dkim, the
library behind `dkimverify`): `tegami dkim keygen` makes the keys (RSA and Ed25519), tegamid
signs what authenticated users send to remote recipients when it writes the queue file, and
`tegami dns-records` prints the TXT record the verifier is given as its DNS answer. Messages with
odd whitespace, long and folded lines, 8-bit bodies, empty bodies and a large body verify; a
changed body does not; mail relayed from port 25 and mail of a domain without a key is not
signed."""
import os
import re
import smtplib
import stat
import sys
import threading
import time
import unittest

import dkim

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, tls_context  # noqa: E402
from queue_files import split_entry  # noqa: E402
from polling import wait_for  # noqa: E402

MAIN_EXTRA = """dkim:
  key_dir: var/dkim
"""

RSA_DOMAIN = """domain: example.com
accounts:
  - user: alice
    password: "{PLAIN}secret"
aliases:
  - address: fwd
    to: [someone@elsewhere.test]
dkim:
  selector: s1
"""

ED_DOMAIN = """domain: ed.test
accounts:
  - user: erin
    password: "{PLAIN}secret"
dkim:
  selector: ed1
  algorithm: ed25519-sha256
"""

PLAIN_DOMAIN = """domain: nokey.test
accounts:
  - user: nora
    password: "{PLAIN}secret"
"""


def txt_from_zone(text, owner):
    """The TXT data of `owner` in zone-file text: the quoted strings joined."""
    for line in text.splitlines():
        if line.startswith(owner + " ") or line.startswith(owner + "\t"):
            return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', line)).replace('\\"', '"')
    return None


class DkimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("smtp", "smtp", "none"), ("submission", "submission", "starttls")],
                        domains={"example.com.yaml": RSA_DOMAIN, "ed.test.yaml": ED_DOMAIN,
                                 "nokey.test.yaml": PLAIN_DOMAIN},
                        main_extra=MAIN_EXTRA)
        cls.keygen = {}
        for domain in ("example.com", "ed.test"):
            r = cls.d.tegami("dkim", "keygen", domain)
            assert r.returncode == 0, r.stderr.decode()
            cls.keygen[domain] = r.stdout.decode()
        cls.d.start()
        cls.queue = os.path.join(cls.d.dir, "var", "queue")
        cls.dns = {}
        for domain in ("example.com", "ed.test"):
            r = cls.d.tegami("dns-records", domain)
            assert r.returncode == 0, r.stderr.decode() + r.stdout.decode()
            cls.dns[domain] = r.stdout.decode()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def dnsfunc(self, name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        name = name.rstrip(".")
        for domain, zone in self.dns.items():
            if name.endswith("._domainkey." + domain):
                txt = txt_from_zone(zone, name + ".")
                if txt is not None:
                    return txt.encode()
        return None

    def grab_new_messages(self, action):
        """Runs `action` while a thread opens every queue entry that appears in env/, and returns
        the messages of the new ones. Opened at once, a file stays readable even if remote
        delivery finishes and removes the entry right after the 250."""
        msg_dir = os.path.join(self.queue, "env")
        before = set(os.listdir(msg_dir))
        opened = {}
        stop = threading.Event()

        def watch():
            while True:
                for name in set(os.listdir(msg_dir)) - before - set(opened):
                    try:
                        opened[name] = open(os.path.join(msg_dir, name), "rb")
                    except FileNotFoundError:
                        pass
                if stop.is_set():
                    return
                time.sleep(0.001)

        t = threading.Thread(target=watch)
        t.start()
        try:
            action()
            wait_for(lambda: opened, timeout=5)
        finally:
            stop.set()
            t.join(timeout=10)
        out = []
        for f in opened.values():
            out.append(split_entry(f.read())[1])
            f.close()
        return out

    def send(self, user, domain, rcpt, message, eight_bit=False):
        def submit():
            with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=20) as s:
                s.starttls(context=tls_context())
                s.login(f"{user}@{domain}", "secret")
                opts = ["BODY=8BITMIME"] if eight_bit else []
                s.sendmail(f"{user}@{domain}", [rcpt], message, mail_options=opts)
        new = self.grab_new_messages(submit)
        self.assertEqual(len(new), 1)
        return new[0]

    def check_signed(self, stored, algorithm, domain):
        self.assertTrue(stored.startswith(b"DKIM-Signature: v=1; a=" + algorithm.encode()),
                        stored[:200])
        # The signature comes first, then our Received line, then the message.
        self.assertIn(b"\r\nReceived: from ", stored[:2000])
        self.assertIn(b"d=" + domain.encode() + b";", stored[:1000])
        self.assertTrue(dkim.verify(stored, dnsfunc=self.dnsfunc),
                        "dkim.verify failed for:\n" + stored[:1500].decode(errors="replace"))

    def messages(self, sender):
        long_line = ("word " * 190).strip()  # ~950 characters: under the 998 limit
        return {
            "plain": (f"From: {sender}\r\nTo: bob@remote.test\r\nSubject: hello\r\n"
                      f"Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\n"
                      "Hello Bob.\r\n").encode(),
            "whitespace": (f"From:   {sender}  \r\nTo:\tbob@remote.test\r\n"
                           "Subject:  odd \t spacing   here  \r\n"
                           "  folded continuation\t \r\n\r\n"
                           "  leading spaces\r\ntrailing \t \r\n\t\r\nin  the \t middle\r\n"
                           "\r\n\r\n\r\n").encode(),
            "long": (f"From: {sender}\r\nTo: bob@remote.test\r\nSubject: long\r\n"
                     "References: " + " ".join(f"<ref{i}@example.net>" for i in range(12)) +
                     "\r\n\r\n" + long_line + "\r\n" + long_line + "\r\n").encode(),
            "eightbit": (f"From: {sender}\r\nTo: bob@remote.test\r\nSubject: =?UTF-8?B?5pel5pys?=\r\n"
                         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: 8bit\r\n\r\n"
                         "日本語の本文です。  空白  も。\r\nÄÖÜ äöü\r\n").encode(),
            "empty": f"From: {sender}\r\nTo: bob@remote.test\r\nSubject: empty\r\n\r\n".encode(),
            "large": (f"From: {sender}\r\nTo: bob@remote.test\r\nSubject: large\r\n\r\n" +
                      "".join(f"line {i:07d}  with  spaces \r\n" for i in range(80000))).encode(),
        }

    def test_1_keygen_wrote_private_keys_and_printed_records(self):
        for domain, sel, k in (("example.com", "s1", "rsa"), ("ed.test", "ed1", "ed25519")):
            path = os.path.join(self.d.dir, "var", "dkim", domain, sel + ".pem")
            self.assertTrue(os.path.exists(path))
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            out = self.keygen[domain]
            self.assertIn(f"{sel}._domainkey.{domain}. IN TXT", out)
            self.assertIn(f"v=DKIM1; k={k}; p=", out)
            # The record printed by keygen is the one dns-records prints.
            self.assertEqual(txt_from_zone(out, f"{sel}._domainkey.{domain}."),
                             txt_from_zone(self.dns[domain], f"{sel}._domainkey.{domain}."))

    def test_2_rsa_signatures_verify(self):
        for name, msg in self.messages("alice@example.com").items():
            with self.subTest(name):
                stored = self.send("alice", "example.com", "bob@remote.test", msg,
                                   eight_bit=(name == "eightbit"))
                self.check_signed(stored, "rsa-sha256", "example.com")

    def test_3_ed25519_signatures_verify(self):
        for name, msg in self.messages("erin@ed.test").items():
            if name == "large":
                continue
            with self.subTest(name):
                stored = self.send("erin", "ed.test", "bob@remote.test", msg,
                                   eight_bit=(name == "eightbit"))
                self.check_signed(stored, "ed25519-sha256", "ed.test")

    def test_4_tampering_breaks_the_signature(self):
        stored = self.send("alice", "example.com", "bob@remote.test",
                           self.messages("alice@example.com")["plain"])
        self.assertTrue(dkim.verify(stored, dnsfunc=self.dnsfunc))
        self.assertFalse(dkim.verify(stored.replace(b"Hello Bob.", b"Hello Eve."),
                                     dnsfunc=self.dnsfunc))
        self.assertFalse(dkim.verify(stored.replace(b"Subject: hello", b"Subject: HELLO"),
                                     dnsfunc=self.dnsfunc))
        # From is oversigned: a second From makes it fail.
        self.assertFalse(dkim.verify(stored.replace(b"\r\nFrom: ", b"\r\nFrom: evil@x.test\r\nFrom: ", 1),
                                     dnsfunc=self.dnsfunc))

    def test_5_no_signature_without_key_or_authentication(self):
        stored = self.send("nora", "nokey.test", "bob@remote.test",
                           b"From: nora@nokey.test\r\nSubject: x\r\n\r\nhi\r\n")
        self.assertNotIn(b"DKIM-Signature", stored)
        self.assertTrue(stored.startswith(b"Received: "))
        # Port 25 to an alias forwarding outside: queued, but a forged From: is never signed.
        def relay():
            with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=20) as s:
                s.sendmail("someone@outside.test", ["fwd@example.com"],
                           b"From: alice@example.com\r\nSubject: forged\r\n\r\nhi\r\n")
        new = self.grab_new_messages(relay)
        self.assertEqual(len(new), 1)
        self.assertIn(b"Subject: forged", new[0])
        self.assertNotIn(b"DKIM-Signature", new[0])

    def test_6_keygen_refuses_to_replace_a_key(self):
        r = self.d.tegami("dkim", "keygen", "example.com", "--selector", "s1")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"exists", r.stderr)
        r = self.d.tegami("dkim", "keygen", "unknown.test")
        self.assertEqual(r.returncode, 1)
        # A new selector for rotation: a new file, and the config lines to switch to it.
        r = self.d.tegami("dkim", "keygen", "example.com", "--selector", "s2",
                          "--algorithm", "ed25519")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("s2._domainkey.example.com. IN TXT", out)
        self.assertIn("selector: s2", out)
        self.assertIn("algorithm: ed25519-sha256", out)
        self.assertTrue(os.path.exists(os.path.join(self.d.dir, "var", "dkim", "example.com",
                                                    "s2.pem")))


if __name__ == "__main__":
    unittest.main()
