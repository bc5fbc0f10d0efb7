"""Reload of a running tegamid and its control socket, as an admin uses them:
- SIGHUP with a valid change: a renewed certificate is served to new TLS connections without a
  restart, and the hostname in new greetings changes;
- a change to a config file alone (inotify, no signal) is picked up;
- an invalid change: the old configuration keeps serving, the log names file:line:col;
- `tegami who`, `tegami kick <user>`, `tegami reload` against the running daemon; the control
  socket is private (mode 0600).
"""
import json
import os
import signal
import socket
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid, cert_der, greeting, make_cert  # noqa: E402

LISTENERS = [("smtp", "smtp", "none"), ("imaps", "imap", "implicit")]


def domain_yaml(name, cert, key, extra=""):
    return (f"domain: {name}\nplan: standard\nmax_accounts: 10\n"
            f"tls:\n  cert: {cert}\n  key: {key}\n" + extra)


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Reload(unittest.TestCase):
    def setUp(self):
        self.d = Tegamid(LISTENERS)
        self.b_cert, self.b_key = make_cert(self.d.certs, "b", "b.test")
        self.d.write_domain("b.test.yaml", domain_yaml("b.test", self.b_cert, self.b_key))
        self.d.start()

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def sni_cert(self, name="b.test"):
        return greeting(self.d.port("imaps"), tls=True, server_name=name)[1]

    def test_sighup_serves_a_renewed_certificate_without_restart(self):
        old = cert_der(self.b_cert)
        self.assertEqual(self.sni_cert(), old)
        # Renew in place, as certbot would: a new key and certificate at new paths, then the
        # domain file points at them.
        new_cert, new_key = make_cert(self.d.certs, "b2", "b.test")
        self.d.write_domain("b.test.yaml", domain_yaml("b.test", new_cert, new_key))
        self.d.signal(signal.SIGHUP)
        self.d.wait_log("reloaded")
        self.assertEqual(self.sni_cert(), cert_der(new_cert))
        self.assertNotEqual(cert_der(new_cert), old)
        self.assertEqual(self.sni_cert("other.test"), cert_der(self.d.cert))
        pid = self.d.proc.pid
        self.assertIsNone(self.d.proc.poll())
        self.assertEqual(self.d.proc.pid, pid)

    def test_file_change_alone_reloads_hostname_in_greetings(self):
        self.assertIn(b" mail.test ", greeting(self.d.port("smtp"))[0])
        self.d.write_main(hostname="renamed.test")
        self.d.wait_log("reloaded (file change)")
        self.assertEqual(greeting(self.d.port("smtp"))[0],
                         b"220 renamed.test ESMTP tegami\r\n")

    def test_new_domain_file_is_picked_up(self):
        c_cert, c_key = make_cert(self.d.certs, "c", "c.test")
        self.d.write_domain("c.test.yaml", domain_yaml("c.test", c_cert, c_key))
        self.d.wait_log("reloaded (file change)")
        self.assertEqual(self.sni_cert("c.test"), cert_der(c_cert))

    def test_invalid_change_keeps_the_old_config_serving(self):
        old = cert_der(self.b_cert)
        self.d.write_domain("b.test.yaml",
                            domain_yaml("b.test", self.b_cert, self.b_key, "bogus_key: 1\n"))
        self.d.signal(signal.SIGHUP)
        log = self.d.wait_log("reload failed")
        self.assertRegex(log, r"b\.test\.yaml:7:1: .*bogus_key")
        self.assertIn("running configuration is kept", log)
        self.assertEqual(self.sni_cert(), old)
        self.assertIn(b" mail.test ", greeting(self.d.port("smtp"))[0])
        # A certificate that cannot be loaded is refused the same way.
        broken = os.path.join(self.d.certs, "broken.pem")
        with open(broken, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        self.d.write_domain("b.test.yaml", domain_yaml("b.test", broken, self.b_key))
        self.d.signal(signal.SIGHUP)
        self.d.wait_log("reload failed", count=2)
        self.assertEqual(self.sni_cert(), old)
        # And a fix is taken again.
        self.d.write_domain("b.test.yaml", domain_yaml("b.test", self.b_cert, self.b_key))
        self.d.signal(signal.SIGHUP)
        self.d.wait_log("reloaded (SIGHUP)")
        self.assertIsNone(self.d.proc.poll())


class Control(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid(LISTENERS)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def who(self):
        r = self.d.tegami("who", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        answer = json.loads(r.stdout)
        self.assertTrue(answer["ok"])
        return answer["sessions"]

    def test_socket_is_private(self):
        st = os.stat(self.d.socket)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_mode & 0o777, 0o600)

    def test_who_lists_an_open_session(self):
        # A client that connected to IMAPS and has not finished its handshake yet is a session.
        held = socket.create_connection(("127.0.0.1", self.d.port("imaps")), timeout=10)
        try:
            local = "127.0.0.1:%d" % held.getsockname()[1]
            self.assertTrue(wait_until(lambda: any(s["client"] == local for s in self.who())))
            s = next(s for s in self.who() if s["client"] == local)
            self.assertEqual(s["protocol"], "imap")
            self.assertEqual(s["listener"], "imaps")
            self.assertEqual(s["user"], "")
            self.assertFalse(s["tls"])
            self.assertRegex(s["since"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            human = self.d.tegami("who")
            self.assertEqual(human.returncode, 0)
            self.assertIn(local, human.stdout.decode())
            self.assertIn("PROTOCOL", human.stdout.decode())
        finally:
            held.close()
        self.assertTrue(wait_until(lambda: not any(s["client"] == local for s in self.who())))

    def test_kick_answers_with_the_count(self):
        r = self.d.tegami("kick", "nobody@example.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), "kicked 0 session(s) of nobody@example.test\n")
        self.assertIn("kick nobody@example.test", self.d.log())
        self.assertEqual(self.d.tegami("kick").returncode, 2)

    def test_reload_ok_and_with_errors(self):
        r = self.d.tegami("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode().splitlines()[0], "reloaded")
        self.d.wait_log("reloaded (control socket)")
        good = open(self.d.config).read()
        try:
            self.d.write_main(extra="limits:\n  max_line_length: lots\n")
            self.d.wait_log("reload failed")  # the file change alone was noticed and refused
            # --socket belongs to the command (after its word).
            self.assertEqual(self.d.tegami("--socket", self.d.socket, "reload").returncode, 2)
            r = self.d.tegami("reload", "--socket", self.d.socket)
            self.assertEqual(r.returncode, 1)
            err = r.stderr.decode()
            self.assertIn("error:", err)
            self.assertRegex(err, r"tegami\.yaml:\d+:\d+: .*'lots'")
            # Without --socket the admin command cannot read the broken file either, and says so.
            r = self.d.tegami("reload")
            self.assertEqual(r.returncode, 1)
            self.assertIn("--socket", r.stderr.decode())
            self.assertEqual(greeting(self.d.port("smtp"))[0][:4], b"220 ")
        finally:
            with open(self.d.config, "w") as f:
                f.write(good)
            self.d.wait_log("reloaded (file change)")

    def test_daemon_not_running(self):
        r = self.d.tegami("who", "--socket", os.path.join(self.d.dir, "nothing.sock"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running", r.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
