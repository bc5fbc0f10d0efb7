"""Remote delivery passes the sender's DSN requests on (RFC 3461) and SMTPUTF8 (RFC 6531).

Two aiosmtpd receivers, reached through per-sender-domain relays: one offers DSN and SMTPUTF8
and records the MAIL/RCPT parameters it got, the other offers neither. Checks: NOTIFY, ORCPT,
RET and ENVID reach the DSN server (and no "relayed" report comes back); the server without
DSN gets none of them and the sender gets a "relayed" DSN (RFC 3461 §5.2.2.1) for NOTIFY=SUCCESS
only; SMTPUTF8 goes with a non-ASCII address to the server that offers it; to the one that
does not, a non-ASCII address bounces with 5.6.7 and UTF-8 headers with 5.6.9, while a message
that only asked for SMTPUTF8 is delivered without it."""
import email
import email.policy
import glob
import os
import shutil
import smtplib
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, free_port, tls_context  # noqa: E402
from smtp_receiver import Receiver  # noqa: E402
from polling import wait_for  # noqa: E402

LOCAL = {
    "dsn.test.yaml": """domain: dsn.test
accounts:
  - user: ann
    password: "{PLAIN}secret"
""",
    "plain.test.yaml": """domain: plain.test
accounts:
  - user: ben
    password: "{PLAIN}secret"
""",
}


class OutboundDsnTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tegami-outbound-dsn-")
        cls.dsn_port = free_port()
        cls.plain_port = free_port()
        cls.dsn_mx = Receiver(cls.dsn_port, dsn=True, smtputf8=True).__enter__()
        cls.plain_mx = Receiver(cls.plain_port, dsn=False, smtputf8=False).__enter__()
        outbound = f"""outbound:
  helo_name: out.mail.test
  retry_first: 1s
  retry_max: 2s
  connect_timeout: 3000ms
  command_timeout: 5000ms
  data_timeout: 5000ms
  domain_smarthosts:
    - domain: dsn.test
      host: 127.0.0.1
      port: {cls.dsn_port}
      tls: none
    - domain: plain.test
      host: 127.0.0.1
      port: {cls.plain_port}
      tls: none
"""
        cls.d = Tegamid([("submission", "submission", "starttls")], domains=LOCAL,
                        main_extra=outbound)
        cls.d.start()
        cls.mail_root = os.path.join(cls.d.dir, "var", "mail")
        cls.queue = os.path.join(cls.d.dir, "var", "queue")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.__exit__(None, None, None)
        finally:
            cls.dsn_mx.__exit__(None, None, None)
            cls.plain_mx.__exit__(None, None, None)
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers --------------------------------------------------------------------------
    def submit(self, user, mail_options, rcpts, data):
        """rcpts: [(address, [rcpt options])]."""
        with smtplib.SMTP("127.0.0.1", self.d.port("submission"), timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(user, "secret")
            s.ehlo()
            code, text = s.mail(user, list(mail_options))
            self.assertEqual(code, 250, text)
            for addr, opts in rcpts:
                code, text = s.rcpt(addr, list(opts))
                self.assertEqual(code, 250, text)
            code, text = s.data(data)
            self.assertEqual(code, 250, text)

    def message(self, subject, to, sender, extra_header=""):
        return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n{extra_header}"
                f"Message-ID: <{subject.replace(' ', '')}.{time.monotonic_ns()}@t>\r\n"
                f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n").encode()

    def inbox(self, domain, user):
        return sorted(glob.glob(os.path.join(self.mail_root, domain, user, "new", "*")))

    def reports(self, domain, user, needle):
        out = []
        for p in self.inbox(domain, user):
            with open(p, "rb") as f:
                raw = f.read()
            if needle.encode() in raw and b"multipart/report" in raw:
                out.append(email.message_from_bytes(raw, policy=email.policy.default))
        return out

    def report(self, domain, user, needle):
        found = wait_for(lambda: self.reports(domain, user, needle))
        self.assertTrue(found, f"no DSN about {needle}; log:\n" + self.d.log()[-3000:])
        return found[0]

    def status_blocks(self, msg):
        parts = list(msg.iter_parts())
        self.assertIn(parts[1].get_content_type(),
                      ("message/delivery-status", "message/global-delivery-status"))
        if parts[1].get_content_type() == "message/delivery-status":
            return parts[1].get_payload()[1:]
        # message/global-delivery-status (RFC 6533): UTF-8 fields, blocks split by blank lines
        text = parts[1].get_content()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()][1:]
        return [email.message_from_string(b) for b in blocks]

    def received(self, mx, rcpt):
        got = wait_for(lambda: mx.handler.for_rcpt(rcpt))
        self.assertTrue(got, f"{rcpt} not received; log:\n" + self.d.log()[-3000:])
        return got[0]

    def wait_queue_empty(self):
        env = os.path.join(self.queue, "env")
        self.assertTrue(wait_for(lambda: not os.listdir(env)),
                        "queue not empty; log:\n" + self.d.log()[-3000:])

    # --- tests ----------------------------------------------------------------------------
    def test_01_dsn_parameters_reach_a_server_offering_dsn(self):
        user = "ann@dsn.test"
        self.submit(user, ["RET=HDRS", "ENVID=QQ314+2Bx"],
                    [("r1@far.test", ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;Orig+2Bone@old.test"]),
                     ("r2@far.test", ["NOTIFY=NEVER"]),
                     ("r3@far.test", [])],
                    self.message("dsn passed", "r1@far.test", user))
        m = self.received(self.dsn_mx, "r1@far.test")
        self.assertEqual(sorted(m.rcpts), ["r1@far.test", "r2@far.test", "r3@far.test"])
        self.assertIn("RET=HDRS", m.mail_options)
        self.assertIn("ENVID=QQ314+2BX", m.mail_options)  # aiosmtpd upper-cases options
        params = self.dsn_mx.handler.rcpt_params
        self.assertEqual(sorted(params["r1@far.test"][0]),
                         ["NOTIFY=SUCCESS,FAILURE", "ORCPT=RFC822;ORIG+2BONE@OLD.TEST"])
        self.assertEqual(params["r2@far.test"][0], ["NOTIFY=NEVER"])
        self.assertEqual(params["r3@far.test"][0], [])
        # That server reports from now on: no "relayed" DSN from tegami.
        self.wait_queue_empty()
        time.sleep(0.5)
        self.assertEqual(self.reports("dsn.test", "ann", "r1@far.test"), [])

    def test_02_server_without_dsn_gets_none_and_success_is_reported_relayed(self):
        user = "ben@plain.test"
        self.submit(user, ["RET=HDRS", "ENVID=E2"],
                    [("s1@far.test", ["NOTIFY=SUCCESS", "ORCPT=rfc822;s1@far.test"]),
                     ("s2@far.test", ["NOTIFY=NEVER"]),
                     ("s3@far.test", [])],
                    self.message("relayed report", "s1@far.test", user))
        m = self.received(self.plain_mx, "s1@far.test")
        self.assertEqual(sorted(m.rcpts), ["s1@far.test", "s2@far.test", "s3@far.test"])
        for opt in m.mail_options:
            self.assertFalse(opt.startswith(("RET=", "ENVID=")), m.mail_options)
        for r in ("s1@far.test", "s2@far.test", "s3@far.test"):
            self.assertEqual(self.plain_mx.handler.rcpt_params[r][0], [])
        dsn = self.report("plain.test", "ben", "s1@far.test")
        self.assertEqual(dsn["To"].addresses[0].addr_spec, user)
        blocks = self.status_blocks(dsn)
        self.assertEqual(len(blocks), 1, [dict(b) for b in blocks])  # only NOTIFY=SUCCESS
        self.assertEqual(blocks[0]["Action"], "relayed")
        self.assertEqual(blocks[0]["Status"], "2.0.0")
        self.assertIn("s1@far.test", blocks[0]["Final-Recipient"])
        self.assertIn("s1@far.test", blocks[0]["Original-Recipient"])
        self.assertIn("127.0.0.1", blocks[0]["Remote-MTA"])
        fields = list(dsn.iter_parts())[1].get_payload()[0]
        self.assertEqual(fields["Original-Envelope-Id"], "E2")
        self.wait_queue_empty()
        self.assertEqual(len(self.reports("plain.test", "ben", "s1@far.test")), 1)
        self.assertEqual(self.reports("plain.test", "ben", "s2@far.test"), [])

    def test_03_smtputf8_passed_to_a_server_that_offers_it(self):
        user = "ann@dsn.test"
        rcpt = "josé@far.test"
        self.submit(user, ["SMTPUTF8"], [(rcpt, [])],
                    self.message("utf8 ok", rcpt, user, "X-Name: Jos\u00e9\r\n".encode().decode()))
        m = self.received(self.dsn_mx, rcpt)
        self.assertIn("SMTPUTF8", m.mail_options)
        self.assertIn("X-Name: José".encode(), m.data)

    def test_04_smtputf8_needed_but_not_offered_bounces(self):
        user = "ben@plain.test"
        rcpt = "zoë@far.test"
        self.submit(user, ["SMTPUTF8"], [(rcpt, [])], self.message("utf8 addr", rcpt, user))
        dsn = self.report("plain.test", "ben", "5.6.7")
        self.assertEqual(self.status_blocks(dsn)[0]["Status"], "5.6.7")
        self.assertEqual(self.plain_mx.handler.for_rcpt(rcpt), [])

        self.submit(user, ["SMTPUTF8", "BODY=8BITMIME"], [("hdr@far.test", [])],
                    self.message("utf8 header", "hdr@far.test", user,
                                 "X-Name: Zo\u00eb\r\n"))
        dsn = self.report("plain.test", "ben", "hdr@far.test")
        self.assertEqual(self.status_blocks(dsn)[0]["Status"], "5.6.9")
        self.assertEqual(self.plain_mx.handler.for_rcpt("hdr@far.test"), [])

    def test_05_smtputf8_asked_but_not_needed_is_delivered_without(self):
        user = "ben@plain.test"
        self.submit(user, ["SMTPUTF8"], [("ascii@far.test", [])],
                    self.message("ascii only", "ascii@far.test", user))
        m = self.received(self.plain_mx, "ascii@far.test")
        self.assertNotIn("SMTPUTF8", m.mail_options)


if __name__ == "__main__":
    unittest.main()
