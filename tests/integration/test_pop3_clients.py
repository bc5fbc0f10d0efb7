"""Real POP3 clients against tegamid (issue 5): mpop over STLS and fetchmail over POP3S download
every message intact and keep them on the server, and a second mpop run fetches nothing new
(UIDL stable between sessions)."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tegamid import Tegamid  # noqa: E402
from accounts import PASSWORD, domain_yaml  # noqa: E402
from test_pop3 import LISTENERS, MESSAGES, PLAN_EXTRA, put_messages  # noqa: E402


def read_all(directory):
    out = []
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out.append(f.read())
    return out


class Clients(unittest.TestCase):
    def setUp(self):
        self.d = Tegamid(LISTENERS, domains={"example.com.yaml": domain_yaml(("alice", "bob"), quota=10)},
                         main_extra=PLAN_EXTRA)
        self.maildir = os.path.join(self.d.dir, "var", "mail", "example.com", "alice")
        put_messages(self.maildir, MESSAGES)
        self.work = os.path.join(self.d.dir, "client")
        os.makedirs(self.work)
        self.d.start()

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def assert_got_all(self, got):
        self.assertEqual(len(got), len(MESSAGES), got)
        for m in MESSAGES:
            self.assertTrue(any(m.rstrip(b"\n") in g.replace(b"\r\n", b"\n") for g in got), m)

    @unittest.skipUnless(shutil.which("mpop"), "mpop not installed")
    def test_mpop_stls_download_keeps_mail_and_second_run_gets_nothing(self):
        out_dir = os.path.join(self.work, "mpop-out")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(out_dir, sub))
        conf = os.path.join(self.work, "mpoprc")
        with open(conf, "w") as f:
            f.write(f"""account test
host 127.0.0.1
port {self.d.port('pop3-strict')}
tls on
tls_starttls on
tls_certcheck off
auth user
user alice@example.com
password "{PASSWORD}"
delivery maildir {out_dir}
keep on
uidls_file {self.work}/uidls
""")
        os.chmod(conf, 0o600)
        env = dict(os.environ, HOME=self.work)
        r = subprocess.run(["mpop", "-C", conf, "test"], capture_output=True, timeout=60,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_got_all(read_all(out_dir))
        # keep on: nothing deleted on the server; the second run downloads nothing new.
        r = subprocess.run(["mpop", "-C", conf, "test"], capture_output=True, timeout=60,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(read_all(out_dir)), len(MESSAGES))
        self.assertEqual(len(os.listdir(os.path.join(self.maildir, "new"))) +
                         len(os.listdir(os.path.join(self.maildir, "cur"))), len(MESSAGES))

    @unittest.skipUnless(shutil.which("fetchmail"), "fetchmail not installed")
    def test_fetchmail_pop3s_download(self):
        out_dir = os.path.join(self.work, "fetchmail-out")
        os.makedirs(out_dir)
        rc = os.path.join(self.work, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"""set no syslog
poll 127.0.0.1 protocol pop3 service {self.d.port('pop3s')}
  user "alice@example.com" password "{PASSWORD}"
  ssl no sslcertck keep fetchall
  mda "/bin/sh -c 'cat > {out_dir}/msg.$$'"
""")
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=self.work, FETCHMAILHOME=self.work)
        r = subprocess.run(["fetchmail", "-f", rc, "-i", os.path.join(self.work, "ids"),
                            "--nodetach"], capture_output=True, timeout=120, env=env)
        self.assertIn(r.returncode, (0,), r.stdout + r.stderr)
        self.assert_got_all(read_all(out_dir))


if __name__ == "__main__":
    unittest.main(verbosity=2)
