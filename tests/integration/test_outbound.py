"""Remote delivery by the real tegamid: mail submitted by a local user leaves through tegami's
SMTP client to scripted aiosmtpd receivers, with the test's own DNS server (MX, A, AAAA, null
MX, NXDOMAIN). Checks: byte-exact delivery with STARTTLS used when offered, retry after a 4xx
then success, a 5xx bounce DSN (RFC 3464) in the local sender's INBOX quoting the remote reply,
null MX and a non-existent domain bounced at once, no MX → the domain's A record, MX
preference order with fallback when the first MX refuses connections, a per-domain smarthost
with STARTTLS and AUTH, 8-bit mail converted to quoted-printable for a server without
8BITMIME (and bounced when its header is 8-bit), the queue surviving kill -9 (delivered once
after the restart), and the Prometheus queue metrics."""
import email
import email.policy
import glob
import os
import quopri
import re
import shutil
import signal
import smtplib
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, free_port, http_get, make_cert, tls_context  # noqa: E402
from dns_server import DnsServer  # noqa: E402
from smtp_receiver import Receiver  # noqa: E402
from polling import wait_for  # noqa: E402

LOCAL = {
    "example.com.yaml": """domain: example.com
accounts:
  - user: alice
    password: "{PLAIN}secret"
aliases:
  - address: fwd
    to: [gone@reject.test]
""",
    "relay.test.yaml": """domain: relay.test
accounts:
  - user: carol
    password: "{PLAIN}secret"
""",
    "eight.test.yaml": """domain: eight.test
accounts:
  - user: dave
    password: "{PLAIN}secret"
""",
}


def message(subject, body="Hello from tegami.\r\n", sender="alice@example.com", to="x@good.test",
            extra=""):
    mid = "<%s.%d@example.com>" % (re.sub(r"\W", "", subject), time.monotonic_ns())
    text = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n{extra}"
            f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\n{body}")
    return text.encode() if isinstance(text, str) else text, mid


class OutboundTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mx_port = free_port()
        cls.relay_port = free_port()
        cls.legacy_port = free_port()
        zone = {
            "good.test": {"MX": [(10, "mx.good.test")]},
            "mx.good.test": {"A": ["127.0.0.1"]},
            "defer.test": {"MX": [(10, "mx.good.test")]},
            "reject.test": {"MX": [(10, "mx.reject.test")]},
            "mx.reject.test": {"A": ["127.0.0.1"]},
            "hold.test": {"MX": [(10, "mx.good.test")]},
            "nullmx.test": {"MX": [(0, ".")]},
            "amx.test": {"A": ["127.0.0.1"]},
            # The preferred MX has only an IPv6 address where nothing listens: refused, so the
            # next MX (listed first in DNS, preference 20) gets the mail.
            "fallback.test": {"MX": [(20, "mx2.fallback.test"), (10, "mx1.fallback.test")]},
            "mx1.fallback.test": {"AAAA": ["::1"]},
            "mx2.fallback.test": {"A": ["127.0.0.1"]},
        }
        cls.dns = DnsServer(zone).__enter__()
        cls.tmp = tempfile.mkdtemp(prefix="tegami-outbound-")
        cert, key = make_cert(cls.tmp, "mx", "mx.good.test")
        cls.mx = Receiver(cls.mx_port, tls=(cert, key)).__enter__()
        cls.relay = Receiver(cls.relay_port, tls=(cert, key),
                             auth={"relayuser": "relay-secret"}).__enter__()
        cls.legacy = Receiver(cls.legacy_port, no_8bit=True).__enter__()
        outbound = f"""outbound:
  dns_servers: 127.0.0.1:{cls.dns.port}
  mx_port: {cls.mx_port}
  helo_name: out.mail.test
  retry_first: 1s
  retry_max: 2s
  connect_timeout: 3000ms
  command_timeout: 5000ms
  data_timeout: 5000ms
  domain_smarthosts:
    - domain: relay.test
      host: 127.0.0.1
      port: {cls.relay_port}
      tls: starttls
      user: relayuser
      password: relay-secret
    - domain: eight.test
      host: 127.0.0.1
      port: {cls.legacy_port}
      tls: none
"""
        cls.d = Tegamid([("submission", "submission", "starttls"), ("smtp", "smtp", "none")],
                        domains=LOCAL, main_extra=outbound)
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.__exit__(None, None, None)
        finally:
            for s in (cls.mx, cls.relay, cls.legacy):
                s.__exit__(None, None, None)
            cls.dns.__exit__(None, None, None)
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers --------------------------------------------------------------------------
    def submit(self, rcpts, data, user="alice@example.com", mail_options=()):
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(user, "secret")
            refused = s.sendmail(user, rcpts, data, mail_options=list(mail_options))
        self.assertEqual(refused, {})

    def inbox(self, domain, user):
        return sorted(glob.glob(os.path.join(self.mail_root, domain, user, "new", "*")))

    def queue_entries(self):
        return sorted(os.listdir(os.path.join(self.queue, "env")))

    def dsn_about(self, domain, user, needle, timeout=15):
        """The DSN in user's INBOX whose text contains `needle`, parsed."""
        def find():
            for p in self.inbox(domain, user):
                with open(p, "rb") as f:
                    raw = f.read()
                if needle.encode() in raw and b"multipart/report" in raw:
                    return raw
            return None
        raw = wait_for(find, timeout)
        self.assertIsNotNone(raw, f"no DSN about {needle} in {user}@{domain}'s INBOX; log:\n" +
                             self.d.log()[-3000:])
        return email.message_from_bytes(raw, policy=email.policy.default)

    def status_fields(self, msg):
        parts = list(msg.iter_parts())
        self.assertEqual(parts[1].get_content_type(), "message/delivery-status")
        return parts[1].get_payload()[1]

    def wait_queue_empty(self, timeout=15):
        self.assertTrue(wait_for(lambda: not self.queue_entries(), timeout),
                        "queue not empty: %s; log:\n%s" % (self.queue_entries(), self.d.log()[-3000:]))

    # --- tests ----------------------------------------------------------------------------
    def test_01_delivered_byte_exact_over_starttls(self):
        data, mid = message("byte exact", body="Line one\r\n.leading dot\r\n\r\nlast line\r\n")
        self.submit(["bob@good.test"], data)
        got = wait_for(lambda: self.mx.handler.for_rcpt("bob@good.test"))
        self.assertTrue(got, "not delivered; log:\n" + self.d.log()[-3000:])
        m = got[0]
        self.assertEqual(m.mail_from, "alice@example.com")
        self.assertEqual(m.rcpts, ["bob@good.test"])
        # tegami's Received header on top, then the submitted bytes exactly.
        self.assertTrue(m.data.startswith(b"Received: "), m.data[:200])
        self.assertTrue(m.data.endswith(data), m.data[-300:])
        self.assertEqual(m.data.count(mid.encode()), 1)
        self.assertTrue(m.tls, "STARTTLS was offered but not used")
        self.assertEqual(m.ehlo, "out.mail.test")
        self.wait_queue_empty()
        self.assertIn("status=sent", self.d.log())

    def test_02_4xx_is_retried_then_delivered(self):
        data, mid = message("retry")
        t0 = time.monotonic()
        self.submit(["later@defer.test"], data)
        got = wait_for(lambda: self.mx.handler.for_rcpt("later@defer.test"), 20)
        self.assertTrue(got, "not delivered after the retry; log:\n" + self.d.log()[-3000:])
        self.assertEqual(self.mx.handler.rcpt_attempts["later@defer.test"], 2)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9, "retried before retry_first")
        self.assertTrue(got[0].data.endswith(data))
        self.assertEqual(len(got), 1)
        self.wait_queue_empty()
        log = self.d.log()
        self.assertIn("status=deferred (451 4.3.0 try again later (tegami-test))", log)

    def test_03_5xx_bounces_with_the_remote_text(self):
        data, mid = message("to be rejected")
        self.submit(["nobody@reject.test"], data)
        dsn = self.dsn_about("example.com", "alice", "nobody@reject.test")
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        self.assertEqual(dsn["To"].addresses[0].addr_spec, "alice@example.com")
        fields = self.status_fields(dsn)
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "5.1.1")
        self.assertEqual(fields["Remote-MTA"], "dns; mx.reject.test")
        self.assertIn("no such user here (tegami-test)", fields["Diagnostic-Code"])
        self.assertTrue(fields["Diagnostic-Code"].startswith("smtp; 550"), fields["Diagnostic-Code"])
        self.assertIn(mid, dsn.as_string())  # the original (or its header) is returned
        self.wait_queue_empty()
        # The DSN went to the local sender and nowhere else.
        self.assertFalse(self.mx.handler.for_rcpt("alice@example.com"))

    def test_04_null_mx_and_nxdomain_bounce_at_once(self):
        data, _ = message("null mx")
        t0 = time.monotonic()
        self.submit(["x@nullmx.test"], data)
        dsn = self.dsn_about("example.com", "alice", "x@nullmx.test")
        self.assertLess(time.monotonic() - t0, 10)
        fields = self.status_fields(dsn)
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "5.1.10")
        self.assertIn("null MX", fields["Diagnostic-Code"])
        data, _ = message("no such domain")
        self.submit(["y@nonexistent.test"], data)
        dsn = self.dsn_about("example.com", "alice", "y@nonexistent.test")
        self.assertEqual(self.status_fields(dsn)["Status"], "5.1.2")
        self.wait_queue_empty()
        self.assertFalse(self.mx.handler.for_rcpt("x@nullmx.test"))

    def test_05_no_mx_uses_the_a_record_and_mx_fallback(self):
        data, _ = message("implicit mx")
        self.submit(["a@amx.test"], data)
        self.assertTrue(wait_for(lambda: self.mx.handler.for_rcpt("a@amx.test")),
                        self.d.log()[-3000:])
        data, _ = message("fallback")
        self.submit(["f@fallback.test"], data)
        got = wait_for(lambda: self.mx.handler.for_rcpt("f@fallback.test"))
        self.assertTrue(got, self.d.log()[-3000:])
        self.assertEqual(len(got), 1)
        # mx1 (preference 10) was looked up first, then mx2.
        names = [q[0] for q in self.dns.queries]
        self.assertIn("mx1.fallback.test", names)
        self.assertLess(names.index("mx1.fallback.test"), names.index("mx2.fallback.test"))
        self.wait_queue_empty()

    def test_06_domain_smarthost_with_starttls_and_auth(self):
        data, _ = message("via relay", sender="carol@relay.test")
        self.submit(["someone@far.test"], data, user="carol@relay.test")
        got = wait_for(lambda: self.relay.handler.for_rcpt("someone@far.test"))
        self.assertTrue(got, "relay got nothing; log:\n" + self.d.log()[-3000:])
        self.assertTrue(got[0].tls)
        self.assertEqual(got[0].auth, "relayuser")
        self.assertTrue(got[0].data.endswith(data))
        self.assertFalse(self.mx.handler.for_rcpt("someone@far.test"))
        self.wait_queue_empty()

    def test_07_8bit_converted_for_a_server_without_8bitmime(self):
        body = "Grüße aus Köln – ça marche.\r\n".encode("utf-8")
        head = (b"From: dave@eight.test\r\nTo: z@good.test\r\nSubject: eight bit\r\n"
                b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: 8bit\r\n\r\n")
        self.submit(["z@good.test"], head + body, user="dave@eight.test",
                    mail_options=["BODY=8BITMIME"])
        got = wait_for(lambda: self.legacy.handler.for_rcpt("z@good.test"))
        self.assertTrue(got, "not delivered; log:\n" + self.d.log()[-3000:])
        raw = got[0].data
        self.assertTrue(all(b < 0x80 for b in raw), "8-bit octets sent to a 7-bit server")
        self.assertNotIn("BODY=8BITMIME", " ".join(got[0].mail_options).upper())
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(msg.get_content(), body.decode("utf-8"))
        self.assertEqual(quopri.decodestring(raw.split(b"\r\n\r\n", 1)[1]), body)
        # An 8-bit header cannot be converted: bounced with 5.6.3.
        bad = (b"From: dave@eight.test\r\nTo: z2@good.test\r\nSubject: caf\xc3\xa9\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
        self.submit(["z2@good.test"], bad, user="dave@eight.test", mail_options=["BODY=8BITMIME"])
        dsn = self.dsn_about("eight.test", "dave", "z2@good.test")
        self.assertEqual(self.status_fields(dsn)["Status"], "5.6.3")
        self.assertFalse(self.legacy.handler.for_rcpt("z2@good.test"))
        self.wait_queue_empty()

    def test_07b_never_a_bounce_for_a_bounce(self):
        # A remote sender's mail to a local alias whose (remote) target refuses it: the DSN
        # goes to the remote sender, whose server refuses that too; the DSN about it is not
        # made (RFC 3461 §6.2), nothing loops, the queue empties.
        with smtplib.SMTP("127.0.0.1", self.d.port("smtp"), timeout=30) as s:
            data, _ = message("to a dead alias", sender="someone@reject.test", to="fwd@example.com")
            self.assertEqual(s.sendmail("someone@reject.test", ["fwd@example.com"], data), {})
        h = self.mx.handler
        self.assertTrue(wait_for(lambda: h.rcpt_attempts.get("someone@reject.test")),
                        "the DSN was not sent; log:\n" + self.d.log()[-3000:])
        self.wait_queue_empty()
        time.sleep(1.5)  # more than retry_first: a DSN about the DSN would have been tried
        self.assertEqual(h.rcpt_attempts.get("gone@reject.test"), 1)
        self.assertEqual(h.rcpt_attempts.get("someone@reject.test"), 1)
        self.assertEqual(h.senders["someone@reject.test"], ["<>"])  # the DSN: null sender
        self.assertEqual(self.queue_entries(), [])
        self.assertFalse(self.inbox("example.com", "postmaster"))

    def test_08_queue_survives_kill_9(self):
        self.mx.handler.hold.set()
        try:
            data, mid = message("survivor")
            self.submit(["k@hold.test"], data)
            # tegamid is inside DATA with the receiver when it dies.
            self.assertTrue(wait_for(lambda: self.mx.handler.rcpt_attempts.get("k@hold.test")))
            self.assertEqual(len(self.queue_entries()), 1)
            self.d.proc.kill()
            self.d.proc.wait(timeout=10)
        finally:
            self.mx.handler.hold.clear()
        self.assertEqual(len(self.queue_entries()), 1)
        self.assertFalse(self.mx.handler.for_rcpt("k@hold.test"))
        self.d.log_file.close()
        self.d.start()
        got = wait_for(lambda: self.mx.handler.for_rcpt("k@hold.test"), 20)
        if not got and os.environ.get("OB_DEBUG"):
            import subprocess
            print(subprocess.run(["gdb", "-p", str(self.d.proc.pid), "-batch", "-ex",
                                  "thread apply all bt 12"], capture_output=True, text=True,
                                 timeout=60).stdout[-12000:])
        self.assertTrue(got, "not delivered after the restart; log:\n" + self.d.log()[-3000:])
        self.wait_queue_empty()
        time.sleep(0.5)
        self.assertEqual(len(self.mx.handler.for_rcpt("k@hold.test")), 1)
        self.assertTrue(got[0].data.endswith(data))

    def test_09_metrics(self):
        # A fresh process (test 08 restarted it): one delivery, one bounce.
        data, _ = message("metrics ok")
        self.submit(["m1@good.test"], data)
        data, _ = message("metrics bounce")
        self.submit(["m2@reject.test"], data)
        self.dsn_about("example.com", "alice", "m2@reject.test")
        self.wait_queue_empty()

        def scrape():
            status, _, body = http_get(self.d.metrics_port,
                                       b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(status, 200)
            return body.decode()

        def value(text, name):
            m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
            self.assertIsNotNone(m, name + " missing:\n" + text)
            return float(m.group(1))
        text = wait_for(lambda: (lambda t: t if value(t, "tegami_queue_length") == 0 else None)(
            scrape()))
        self.assertIsNotNone(text)
        self.assertGreaterEqual(value(text, 'tegami_queue_deliveries_total{result="delivered"}'), 2)
        self.assertGreaterEqual(value(text, 'tegami_queue_deliveries_total{result="bounced"}'), 1)
        self.assertEqual(value(text, "tegami_queue_oldest_age_seconds"), 0)


class ReloadTest(unittest.TestCase):
    """outbound.enabled false keeps remote mail queued; a reload that enables it (and sets a
    smarthost) delivers it without a restart."""

    def test_enable_by_reload(self):
        sink_port = free_port()
        with DnsServer({}) as dns, Receiver(sink_port) as relay:
            off = f"outbound:\n  enabled: false\n  dns_servers: 127.0.0.1:{dns.port}\n"
            on = (f"outbound:\n  dns_servers: 127.0.0.1:{dns.port}\n  smarthost:\n"
                  f"    host: 127.0.0.1\n    port: {sink_port}\n    tls: none\n")
            d = Tegamid([("submission", "submission", "starttls")],
                        domains={"example.com.yaml": LOCAL["example.com.yaml"]}, main_extra=off)
            with d:
                data, _ = message("after reload")
                with smtplib.SMTP("127.0.0.1", d.port("submission"), timeout=30) as s:
                    s.starttls(context=tls_context())
                    s.login("alice@example.com", "secret")
                    self.assertEqual(s.sendmail("alice@example.com", ["r@far.test"], data), {})
                time.sleep(1.0)
                env = os.path.join(d.dir, "var", "queue", "env")
                self.assertEqual(len(os.listdir(env)), 1)
                self.assertFalse(relay.handler.for_rcpt("r@far.test"))
                d.write_main(extra=on)
                d.signal(signal.SIGHUP)
                d.wait_log("reloaded (SIGHUP)")
                got = wait_for(lambda: relay.handler.for_rcpt("r@far.test"))
                self.assertTrue(got, d.log()[-3000:])
                self.assertTrue(got[0].data.endswith(data))
                self.assertTrue(wait_for(lambda: not os.listdir(env)))
                self.assertIn("outbound: remote delivery via smarthost 127.0.0.1", d.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
