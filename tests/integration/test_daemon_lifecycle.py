"""tegamid's life cycle, driven as an admin and a client would: start on a throw-away config
(greetings per protocol, implicit TLS, SNI with two domains and two certificates, the
self-signed certificate of a first start, config warnings at load, an invalid config refused
with file:line:col), the metrics endpoint, and the SIGTERM/SIGINT drain.

The protocols are not implemented yet: every listener answers with its protocol's "not
available" greeting (net/unavailable.h), which is what these tests expect.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import (TEGAMID, Tegamid, cert_der, greeting, http_get, make_cert,  # noqa: E402
                     recv_line)

ALL_LISTENERS = [
    ("smtp", "smtp", "none"),
    ("submission", "submission", "starttls"),
    ("submissions", "submission", "implicit"),
    ("pop3", "pop3", "starttls"),
    ("pop3s", "pop3", "implicit"),
    ("imap", "imap", "starttls"),
    ("imaps", "imap", "implicit"),
]


def domain_yaml(name, cert=None, key=None, quotas=(), disk_quota=0):
    text = f"domain: {name}\nplan: standard\nmax_accounts: 10\ndisk_quota: {disk_quota}\n"
    if cert:
        text += f"tls:\n  cert: {cert}\n  key: {key}\n"
    if quotas:
        text += "accounts:\n"
        for i, q in enumerate(quotas):
            text += f"  - user: user{i}\n    quota: {q}\n"
    return text


class StartupAndTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid(ALL_LISTENERS)
        cls.a_cert, cls.a_key = make_cert(cls.d.certs, "a", "a.test")
        cls.b_cert, cls.b_key = make_cert(cls.d.certs, "b", "b.test")
        cls.d.write_domain("a.test.yaml", domain_yaml("a.test", cls.a_cert, cls.a_key,
                                                      quotas=(50, 50), disk_quota=60))
        cls.d.write_domain("b.test.yaml", domain_yaml("b.test", cls.b_cert, cls.b_key))
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_startup_line_names_every_listener(self):
        log = self.d.log()
        line = next(l for l in log.splitlines() if "started" in l)
        for name, _, _ in ALL_LISTENERS:
            self.assertIn(f"{name} 127.0.0.1:{self.d.port(name)}", line)
        self.assertIn(f"metrics 127.0.0.1:{self.d.metrics_port}", line)

    def test_plaintext_greetings_per_protocol(self):
        expected = {"smtp": b"220 mail.test ESMTP tegami\r\n",
                    "submission": b"220 mail.test ESMTP tegami\r\n",
                    "pop3": b"+OK mail.test tegami POP3 ready.\r\n"}
        for name in expected:
            line, _ = greeting(self.d.port(name))
            self.assertEqual(line, expected[name], name)
        line, _ = greeting(self.d.port("imap"))
        self.assertRegex(line, rb"^\* OK \[CAPABILITY IMAP4rev1 [^]]*STARTTLS[^]]*\] .*\r\n$")

    def test_implicit_tls_greetings_with_default_certificate(self):
        for name, prefix in (("submissions", b"220 mail.test ESMTP"), ("pop3s", b"+OK "),
                             ("imaps", b"* OK [CAPABILITY IMAP4rev1 ")):
            line, der = greeting(self.d.port(name), tls=True)
            self.assertTrue(line.startswith(prefix), (name, line))
            self.assertEqual(der, cert_der(self.d.cert), name)

    def test_sni_picks_each_domains_certificate(self):
        port = self.d.port("imaps")
        _, der_a = greeting(port, tls=True, server_name="a.test")
        _, der_b = greeting(port, tls=True, server_name="b.test")
        _, der_sub = greeting(port, tls=True, server_name="mail.b.test")
        _, der_other = greeting(port, tls=True, server_name="unknown.test")
        self.assertEqual(der_a, cert_der(self.a_cert))
        self.assertEqual(der_b, cert_der(self.b_cert))
        self.assertEqual(der_sub, cert_der(self.b_cert))
        self.assertEqual(der_other, cert_der(self.d.cert))

    def test_quota_sum_warning_logged_at_load_with_position(self):
        log = self.d.log()
        warn = [l for l in log.splitlines() if "warning" in l and "a.test.yaml" in l]
        self.assertTrue(warn, log)
        self.assertRegex(warn[0], r"a\.test\.yaml:\d+:\d+: ")
        self.assertFalse([l for l in log.splitlines() if "warning" in l and "b.test.yaml" in l])

    def test_metrics_endpoint(self):
        greeting(self.d.port("smtp"))
        greeting(self.d.port("pop3"))
        status, headers, body = http_get(self.d.metrics_port,
                                         b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        self.assertEqual(int(headers["content-length"]), len(body))
        text = body.decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = int(value)
        self.assertGreaterEqual(values['tegami_connections_total{protocol="smtp"}'], 1)
        self.assertGreaterEqual(values['tegami_connections_total{protocol="pop3"}'], 1)
        self.assertGreater(values['tegami_bytes_sent_total{protocol="smtp"}'], 0)
        for p in ("smtp", "submission", "pop3", "imap"):
            self.assertIn(f'tegami_connections_current{{protocol="{p}"}}', values)
            self.assertIn(f'tegami_logins_total{{protocol="{p}",result="ok"}}', values)
            self.assertIn(f'tegami_logins_total{{protocol="{p}",result="failed"}}', values)
        for name in ("tegami_messages_received_total", "tegami_messages_delivered_total",
                     "tegami_messages_bounced_total"):
            self.assertIn(name, values)
        self.assertEqual(values["tegami_queue_length"], 0)
        self.assertIn("# TYPE tegami_queue_length gauge", text)
        self.assertIn("# TYPE tegami_connections_total counter", text)

    def test_metrics_endpoint_other_paths_and_methods(self):
        self.assertEqual(http_get(self.d.metrics_port, b"GET / HTTP/1.0\r\n\r\n")[0], 404)
        self.assertEqual(http_get(self.d.metrics_port, b"POST /metrics HTTP/1.1\r\n\r\n")[0], 405)
        self.assertEqual(http_get(self.d.metrics_port, b"GARBAGE\r\n\r\n")[0], 400)
        status, _, body = http_get(self.d.metrics_port, b"HEAD /metrics HTTP/1.1\r\n\r\n")
        self.assertEqual((status, body), (200, b""))
        # An endless header is cut off with 431 instead of growing memory.
        with socket.create_connection(("127.0.0.1", self.d.metrics_port), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            try:
                for _ in range(100):
                    s.sendall(b"X-Filler: " + b"y" * 1000 + b"\r\n")
            except OSError:
                pass  # the server may close while we are still sending
            self.assertTrue(recv_line(s).startswith(b"HTTP/1.0 431 "))


class FirstStart(unittest.TestCase):
    def test_self_signed_certificate_created_and_served(self):
        with Tegamid([("imaps", "imap", "implicit")], self_signed=True) as d:
            self.assertTrue(os.path.exists(d.cert))
            self.assertEqual(os.stat(d.key).st_mode & 0o777, 0o600)
            self.assertIn("self-signed", d.log())
            line, der = greeting(d.port("imaps"), tls=True)
            self.assertTrue(line.startswith(b"* OK [CAPABILITY IMAP4rev1 "), line)
            self.assertEqual(der, cert_der(d.cert))
            out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext",
                                  "subjectAltName", "-in", d.cert], capture_output=True,
                                 timeout=30).stdout.decode()
            self.assertIn("CN = mail.test", out)
            self.assertIn("DNS:localhost", out)
            self.assertIn("IP Address:127.0.0.1", out)
            first = cert_der(d.cert)
        # (the directory is gone now; a restart keeping the cert is covered by the unit test)
        self.assertTrue(first)

    def refused(self, main_extra, domain_text, pattern):
        d = Tegamid([("smtp", "smtp", "none")], main_extra=main_extra)
        try:
            if domain_text:
                d.write_domain("x.test.yaml", domain_text)
            d.start(wait=False)
            rc = d.wait_exit(timeout=30)
            log = d.log()
            self.assertEqual(rc, 1, log)
            self.assertRegex(log, pattern)
            self.assertIn("not starting", log)
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", d.port("smtp")), timeout=2).close()
        finally:
            d.__exit__(None, None, None)

    def test_invalid_main_file_refused_at_start_with_position(self):
        self.refused("limits:\n  max_lines: 5\n", None, r"tegami\.yaml:\d+:3: .*max_lines")

    def test_invalid_domain_file_refused_at_start_with_position(self):
        self.refused("", "domain: x.test\nplan: standard\nmax_accounts: [1]\n",
                     r"x\.test\.yaml:3:\d+: ")


class Drain(unittest.TestCase):
    def drain(self, signum, drain_in_config=False):
        d = Tegamid([("imaps", "imap", "implicit"), ("smtp", "smtp", "none")], drain_timeout=2,
                    drain_in_config=drain_in_config)
        with d:
            # A client that connected but never finishes its TLS handshake: a session that
            # would stay until its pre-auth timeout (60 s) unless the drain closes it.
            held = socket.create_connection(("127.0.0.1", d.port("imaps")), timeout=10)
            time.sleep(0.3)
            t0 = time.monotonic()
            d.signal(signum)
            d.wait_log("stopping", timeout=10)
            # New connections are refused at once.
            refused = False
            for _ in range(50):
                try:
                    socket.create_connection(("127.0.0.1", d.port("smtp")), timeout=1).close()
                    time.sleep(0.05)
                except OSError:
                    refused = True
                    break
            self.assertTrue(refused, "listener still accepting during the drain")
            # The held session stays until the deadline, then is closed.
            held.settimeout(0.5)
            try:
                early = held.recv(1)
            except socket.timeout:
                early = None
            self.assertIsNone(early, "closed before the drain deadline")
            held.settimeout(10)
            try:
                held.recv(100)
            except OSError:
                pass
            closed_after = time.monotonic() - t0
            held.close()
            rc = d.wait_exit(timeout=20)
            self.assertEqual(rc, 0, d.log())
            self.assertGreaterEqual(closed_after, 1.5)
            self.assertLess(closed_after, 8)
            self.assertIn("stopped", d.log())
            self.assertIn("sessions have 2 s to finish", d.log())

    def test_sigterm_drains_then_exits_0(self):
        self.drain(signal.SIGTERM)

    def test_drain_deadline_from_server_drain_timeout(self):
        self.drain(signal.SIGTERM, drain_in_config=True)

    def test_sigint_drains_then_exits_0(self):
        self.drain(signal.SIGINT)


class Systemd(unittest.TestCase):
    def test_sd_notify_ready_reloading_stopping(self):
        d = Tegamid([("smtp", "smtp", "none")], drain_timeout=1)
        path = os.path.join(d.dir, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        try:
            d.start(env={"NOTIFY_SOCKET": path})
            messages = []

            def next_message():
                m = sock.recv(4096).decode()
                messages.append(m)
                return m

            self.assertIn("READY=1", next_message())
            d.signal(signal.SIGHUP)
            self.assertIn("RELOADING=1", next_message())
            self.assertIn("MONOTONIC_USEC=", messages[-1])
            self.assertIn("READY=1", next_message())
            d.signal(signal.SIGTERM)
            self.assertIn("STOPPING=1", next_message())
            self.assertEqual(d.wait_exit(timeout=20), 0)
        finally:
            sock.close()
            d.__exit__(None, None, None)

    def test_journal_priorities_when_stderr_is_the_journal(self):
        d = Tegamid([("smtp", "smtp", "none")], drain_timeout=1)
        try:
            d.start(env={"JOURNAL_STREAM": "8:12345"})
            self.assertRegex(d.log(), r"(?m)^<5>tegamid .* started")
        finally:
            d.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main(verbosity=2)
