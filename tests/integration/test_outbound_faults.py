"""Remote delivery against servers that misbehave, and the long-term outcomes, with short
timeouts and a short schedule in the config: a garbage greeting, an endless multi-line reply,
a server that accepts and never speaks, and one that drops the connection each leave the
message queued (deferred with a 4xx diagnostic, retried later) and tegamid responsive; a
recipient that keeps getting 4xx gets a "delayed" DSN (RFC 3464, Will-Retry-Until) once
outbound.delay_notice has passed, and a "failed" DSN when outbound.expire has passed."""
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
from dns_server import DnsServer  # noqa: E402
from smtp_receiver import EvilServer, Receiver  # noqa: E402
from polling import wait_for  # noqa: E402

LOCAL = {"example.com.yaml": """domain: example.com
accounts:
  - user: alice
    password: "{PLAIN}secret"
"""}


def xtext_decode(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "+" and i + 2 < len(s) + 1:
            out.append(int(s[i + 1:i + 3], 16))
            i += 3
        else:
            out += s[i].encode()
            i += 1
    return out.decode(errors="replace")


class FaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        zone = {
            "evil.test": {"MX": [(10, "mx.evil.test")]},
            "mx.evil.test": {"AAAA": ["::1"]},
            "tempfail.test": {"MX": [(10, "mx.good.test")]},
            "good.test": {"MX": [(10, "mx.good.test")]},
            "mx.good.test": {"A": ["127.0.0.1"]},
        }
        cls.dns = DnsServer(zone).__enter__()
        cls.mx = Receiver(cls.port).__enter__()
        cls.evil = EvilServer("::1", cls.port, mode="hang").__enter__()
        cls.d = Tegamid([("submission", "submission", "starttls")], domains=LOCAL,
                        main_extra=f"""outbound:
  dns_servers: 127.0.0.1:{cls.dns.port}
  mx_port: {cls.port}
  retry_first: 1s
  retry_max: 1s
  delay_notice: 3s
  expire: 12s
  connect_timeout: 1500ms
  command_timeout: 1500ms
  data_timeout: 1500ms
""")
        cls.d.start()
        cls.queue = os.path.join(cls.d.dir, "var", "queue")
        cls.inbox = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice", "new")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.__exit__(None, None, None)
        finally:
            cls.evil.__exit__(None, None, None)
            cls.mx.__exit__(None, None, None)
            cls.dns.__exit__(None, None, None)

    def submit(self, rcpt, subject, notify=None):
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("alice@example.com", "secret")
            opts = [f"NOTIFY={notify}"] if notify else []
            refused = s.sendmail("alice@example.com", [rcpt],
                                 f"From: alice@example.com\r\nTo: {rcpt}\r\nSubject: {subject}\r\n"
                                 f"\r\nbody\r\n".encode(), rcpt_options=opts)
        self.assertEqual(refused, {})

    def states(self, rcpt):
        """Every recorded (state, attempts, reply) of the queue entry that has `rcpt`."""
        env_dir = os.path.join(self.queue, "env")
        for name in os.listdir(env_dir):
            try:
                with open(os.path.join(env_dir, name)) as f:
                    lines = f.read().splitlines()
            except FileNotFoundError:
                continue
            if f"rcpt {rcpt} - -" not in lines and not any(l.startswith(f"rcpt {rcpt} ")
                                                            for l in lines):
                continue
            out = []
            for line in lines:
                p = line.split(" ")
                if p[0] == "state":
                    out.append((p[2], int(p[3]), xtext_decode(p[7]) if p[7] != "-" else ""))
            return out
        return None

    def test_1_bad_servers_leave_the_message_queued(self):
        expected = {
            "garbage": "answered garbage (malformed reply line)",
            "endless": "answered garbage (reply has more lines than the limit)",
            "hang": "timeout waiting for the greeting",
            "drop": "connection closed",
        }
        for mode, text in expected.items():
            with self.subTest(mode=mode):
                self.evil.mode = mode
                rcpt = f"{mode}@evil.test"
                t0 = time.monotonic()
                self.submit(rcpt, mode)
                # Attempts of the same destination share connections: an attempt may end with
                # the failure of a connection opened for an earlier message. Wait for one made
                # in this mode.
                st = wait_for(lambda: [x for x in (self.states(rcpt) or []) if text in x[2]], 10)
                self.assertTrue(st, f"{mode}: no such outcome recorded ({self.states(rcpt)}); "
                                f"log:\n" + self.d.log()[-3000:])
                state, attempts, reply = st[0]
                self.assertEqual(state, "deferred", reply)
                self.assertTrue(reply.startswith("4"), reply)
                self.assertTrue(all(x[0] == "deferred" for x in self.states(rcpt)))
                self.assertLess(time.monotonic() - t0, 10, "not bounded by the timeouts")
        # The endless reply was cut off at the parser's bound, long before 1 MB.
        self.assertGreater(self.evil.connections, 3)
        # tegamid still serves while the messages wait.
        self.submit("ok@good.test", "still alive")
        self.assertTrue(wait_for(lambda: self.mx.handler.for_rcpt("ok@good.test")),
                        self.d.log()[-3000:])
        self.evil.mode = "hang"

    def test_2_delay_dsn_then_failure_on_expiry(self):
        t0 = time.monotonic()
        self.submit("slow@tempfail.test", "slow one", notify="DELAY,FAILURE")

        def dsn(action):
            for p in sorted(glob.glob(os.path.join(self.inbox, "*"))):
                with open(p, "rb") as f:
                    raw = f.read()
                if b"slow@tempfail.test" in raw and b"Action: " + action in raw:
                    return email.message_from_bytes(raw, policy=email.policy.default)
            return None

        delayed = wait_for(lambda: dsn(b"delayed"), 10)
        self.assertIsNotNone(delayed, "no delay DSN; log:\n" + self.d.log()[-3000:])
        # Times are whole seconds in the queue: up to 1 s early.
        self.assertGreaterEqual(time.monotonic() - t0, 1.9, "delay DSN before delay_notice")
        fields = list(delayed.iter_parts())[1].get_payload()[1]
        self.assertEqual(fields["Action"], "delayed")
        self.assertTrue(fields["Status"].startswith("4."), fields["Status"])
        self.assertIn("system busy (tegami-test)", fields["Diagnostic-Code"])
        self.assertIsNotNone(fields["Will-Retry-Until"])
        # Still queued after the notice; several attempts made.
        self.assertIsNotNone(self.states("slow@tempfail.test"))
        failed = wait_for(lambda: dsn(b"failed"), 20)
        self.assertIsNotNone(failed, "no failure DSN at expiry; log:\n" + self.d.log()[-3000:])
        self.assertGreaterEqual(time.monotonic() - t0, 10.9, "bounced before outbound.expire")
        fields = list(failed.iter_parts())[1].get_payload()[1]
        self.assertTrue(fields["Status"].startswith("5."), fields["Status"])
        self.assertIn("system busy (tegami-test)", fields["Diagnostic-Code"])
        self.assertIn("expired", fields["Diagnostic-Code"])
        # Exactly one delay notice.
        count = 0
        for p in glob.glob(os.path.join(self.inbox, "*")):
            with open(p, "rb") as f:
                raw = f.read()
            count += b"slow@tempfail.test" in raw and b"Action: delayed" in raw
        self.assertEqual(count, 1)
        self.assertGreaterEqual(self.mx.handler.rcpt_attempts["slow@tempfail.test"], 3)
        self.assertTrue(wait_for(lambda: self.states("slow@tempfail.test") is None, 5))


if __name__ == "__main__":
    unittest.main(verbosity=2)
