"""Remote delivery to Postfix's smtp-sink scripted per sender domain (outbound.domain_smarthosts
sends each local domain's mail to its own sink): a sink that refuses RCPT with 5xx makes a
failure DSN quoting its reply; one that refuses RCPT with 4xx keeps the message queued and
retried; one that hangs up after DATA keeps it queued; one without ESMTP (EHLO refused) and
without 8BITMIME still gets 7-bit mail over HELO."""
import email
import email.policy
import glob
import os
import smtplib
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, free_port, tls_context  # noqa: E402
from smtp_receiver import SmtpSink  # noqa: E402
from polling import wait_for  # noqa: E402

SINKS = {
    "hard.test": ["-f", "RCPT", "-B", "550 5.1.1 sink-test: no such mailbox"],
    "soft.test": ["-r", "RCPT", "-b", "452 4.2.2 sink-test: mailbox full, later"],
    "drop.test": ["-q", "DATA"],
    "helo.test": ["-e", "-8"],
}


def xtext_decode(s):
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] == "+":
            out.append(int(s[i + 1:i + 3], 16))
            i += 3
        else:
            out += s[i].encode()
            i += 1
    return out.decode(errors="replace")


class SinkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sinks = {d: SmtpSink(free_port(), opts) for d, opts in SINKS.items()}
        relays = "".join(f"    - {{domain: {d}, host: 127.0.0.1, port: {s.port}, tls: none}}\n"
                         for d, s in cls.sinks.items())
        domains = {f"{d}.yaml": f'domain: {d}\naccounts:\n  - user: u\n    password: "{{PLAIN}}pw"\n'
                   for d in SINKS}
        cls.d = Tegamid([("submission", "submission", "starttls")], domains=domains,
                        main_extra="outbound:\n  dns_servers: 127.0.0.1:9\n  retry_first: 1s\n"
                                   "  retry_max: 1s\n  command_timeout: 3000ms\n"
                                   "  data_timeout: 3000ms\n  domain_smarthosts:\n" + relays)
        cls.d.start()
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.__exit__(None, None, None)
        finally:
            for s in cls.sinks.values():
                s.stop()

    def submit(self, domain, rcpt, subject):
        user = f"u@{domain}"
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(user, "pw")
            msg = f"From: {user}\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\r\nhello\r\n".encode()
            self.assertEqual(s.sendmail(user, [rcpt], msg), {})

    def states(self, rcpt):
        env = os.path.join(self.queue, "env")
        for name in os.listdir(env):
            try:
                with open(os.path.join(env, name)) as f:
                    lines = f.read().splitlines()
            except FileNotFoundError:
                continue
            if any(l.startswith(f"rcpt {rcpt} ") for l in lines):
                return [(p[2], int(p[3]), xtext_decode(p[7]) if p[7] != "-" else "")
                        for p in (l.split(" ") for l in lines) if p[0] == "state"]
        return None

    def test_hard_reject_bounces_with_the_sink_reply(self):
        self.submit("hard.test", "x@far.test", "hard")
        inbox = os.path.join(self.d.dir, "var", "mail", "hard.test", "u", "new")

        def dsn():
            for p in glob.glob(os.path.join(inbox, "*")):
                with open(p, "rb") as f:
                    return email.message_from_bytes(f.read(), policy=email.policy.default)
            return None
        msg = wait_for(dsn)
        self.assertIsNotNone(msg, self.d.log()[-3000:])
        fields = list(msg.iter_parts())[1].get_payload()[1]
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "5.1.1")
        self.assertIn("sink-test: no such mailbox", fields["Diagnostic-Code"])
        self.assertEqual(fields["Remote-MTA"], "dns; 127.0.0.1")

    def test_soft_reject_stays_queued_and_is_retried(self):
        self.submit("soft.test", "y@far.test", "soft")
        st = wait_for(lambda: [s for s in (self.states("y@far.test") or []) if s[1] >= 2], 10)
        self.assertTrue(st, f"not retried: {self.states('y@far.test')}; " + self.d.log()[-2000:])
        self.assertTrue(all(s[0] == "deferred" for s in self.states("y@far.test")))
        self.assertIn("452 4.2.2 sink-test: mailbox full, later", st[-1][2])

    def test_hang_up_after_data_stays_queued(self):
        self.submit("drop.test", "z@far.test", "drop")
        st = wait_for(lambda: self.states("z@far.test"), 10)
        self.assertTrue(st, self.d.log()[-2000:])
        self.assertEqual(st[0][0], "deferred")
        self.assertTrue(st[0][2].startswith("421 4.4.2"), st[0][2])
        self.assertEqual(self.sinks["drop.test"].count, 0)

    def test_helo_only_server_gets_the_message(self):
        self.submit("helo.test", "w@far.test", "helo")
        self.assertTrue(wait_for(lambda: self.sinks["helo.test"].count == 1),
                        self.d.log()[-3000:])
        self.assertTrue(wait_for(lambda: self.states("w@far.test") is None))


if __name__ == "__main__":
    unittest.main(verbosity=2)
