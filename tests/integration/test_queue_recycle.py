"""The queue's one-file entries and recycled files (docs/formats.md "The mail queue") under a
kill -9: messages relayed to a sink free their files (free/); the next messages, for a
destination that is down, are written into those recycled files; tegamid is killed with
SIGKILL right after the last 250; every accepted message must then be a complete entry with its
own bytes — none lost, none carrying an older message's bytes — and still be there, intact,
after the restart's queue scan."""
import os
import signal
import smtplib
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, free_port, tls_context  # noqa: E402
from smtp_receiver import SmtpSink  # noqa: E402
from queue_files import read_entry  # noqa: E402
from polling import wait_for as _wait_for  # noqa: E402


def wait_for(predicate, timeout=20.0):
    return _wait_for(predicate, timeout)


def domain(name):
    return f'domain: {name}\naccounts:\n  - user: u\n    password: "{{PLAIN}}pw"\n'


class QueueRecycleTest(unittest.TestCase):
    def setUp(self):
        self.sink = SmtpSink(free_port())
        dead = free_port()  # nothing listens there: connection refused, the mail stays queued
        relays = (f"    - {{domain: up.test, host: 127.0.0.1, port: {self.sink.port}, tls: none}}\n"
                  f"    - {{domain: down.test, host: 127.0.0.1, port: {dead}, tls: none}}\n")
        self.d = Tegamid([("submission", "submission", "starttls")],
                         domains={"up.test.yaml": domain("up.test"),
                                  "down.test.yaml": domain("down.test")},
                         main_extra="outbound:\n  dns_servers: 127.0.0.1:9\n  retry_first: 1h\n"
                                    "  domain_smarthosts:\n" + relays)
        self.d.start()
        self.queue = os.path.join(self.d.dir, "var", "queue")

    def tearDown(self):
        try:
            self.d.__exit__(None, None, None)
        finally:
            self.sink.stop()

    def send(self, dom, subjects):
        user = f"u@{dom}"
        sent = {}
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(user, "pw")
            for subj in subjects:
                body = (f"From: {user}\r\nTo: x@far.test\r\nSubject: {subj}\r\n\r\n" +
                        f"{subj} " * (50 + 40 * len(sent)) + "\r\n").encode()
                self.assertEqual(s.sendmail(user, ["x@far.test"], body), {})
                sent[subj] = body
        return sent

    def entries(self):
        return {n: read_entry(self.queue, n) for n in os.listdir(os.path.join(self.queue, "env"))}

    def check(self, sent):
        entries = self.entries()
        self.assertEqual(len(entries), len(sent))
        found = {}
        for qid, (env, msg) in entries.items():
            self.assertIn(b"\nrcpt x@far.test - -\n", env)
            self.assertIn(b"\nauth u@down.test\n", env)
            # After the envelope block only state lines: nothing of a recycled file's old bytes.
            tail = env[env.index(b"\nend\n") + 5:]
            self.assertTrue(all(line.startswith(b"state ") for line in tail.splitlines()), tail)
            self.assertTrue(tail == b"" or tail.endswith(b"\n"), tail)
            subj = msg.split(b"\r\nSubject: ")[1].split(b"\r\n")[0].decode()
            self.assertTrue(msg.endswith(sent[subj]), qid)  # its own bytes, complete
            found[subj] = qid
        self.assertEqual(set(found), set(sent))

    def test_recycled_files_hold_each_message_across_kill9(self):
        self.send("up.test", [f"up-{i}" for i in range(12)])
        self.assertTrue(wait_for(lambda: self.sink.count >= 12), self.d.log()[-2000:])
        free = os.path.join(self.queue, "free")
        self.assertTrue(wait_for(lambda: not os.listdir(os.path.join(self.queue, "env"))))
        spares = set(os.listdir(free))
        self.assertGreaterEqual(len(spares), 1)  # removed entries' files wait for reuse
        # Longer messages than the recycled files held: truncation and rewrite are checked.
        sent = self.send("down.test", [f"down-{i}" for i in range(12)])
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait(timeout=10)
        self.assertLess(len(set(os.listdir(free)) & spares), len(spares))  # some were reused
        self.check(sent)
        self.d.start(wait=False)
        self.d.wait_log("started", timeout=20, count=2)
        time.sleep(0.5)  # the start-up scan has run
        self.check(sent)
        self.assertEqual(os.listdir(os.path.join(self.queue, "tmp")), [])


if __name__ == "__main__":
    unittest.main()
