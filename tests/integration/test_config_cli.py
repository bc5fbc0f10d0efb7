#!/usr/bin/env python3
"""The admin command on the configuration: `tegami config check|dump`, `domain show`,
`account add|del|passwd|quota|show|list`, run as a user would, on temporary config trees."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

BUILD = os.environ.get("TEGAMI_BUILD_DIR", "build")
SOURCE = os.environ.get("TEGAMI_SOURCE_DIR", ".")
TEGAMI = os.path.join(BUILD, "tools", "tegami")

MAIN = """\
server:
  mail_root: ../var/mail
auth:
  default_password_scheme: SHA512-CRYPT
"""

DOMAIN = """\
# ACME's contract: 3 addresses, 100 MB
domain: acme.test
plan: basic
max_accounts: 3
disk_quota: 100MB

accounts:
  # the boss
  - user: alice
    password: "{SHA512-CRYPT}$6$ojRuqWU3wXBHIEwB$ZjPCuigaGA6kHabd/r2wx3NRCwUP8ZybID50S10guYC1ELeG5yQPTchNTikFEal5ufYctl7Y/g95xnL089cjZ."
    quota: 30   # raised in March

aliases:
  - address: postmaster
    to: [alice]
"""


def run(args, config=None, stdin="", env_extra=None, timeout=60):
    env = dict(os.environ)
    env.pop("TEGAMI_CONFIG", None)
    if env_extra:
        env.update(env_extra)
    cmd = [TEGAMI] + (["-c", config] if config else []) + args
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout)


class ConfigCliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tegami-cli-")
        os.makedirs(os.path.join(self.dir, "conf", "domains"))
        self.main = os.path.join(self.dir, "conf", "tegami.yaml")
        self.domain_file = os.path.join(self.dir, "conf", "domains", "acme.test.yaml")
        self.write(self.main, MAIN)
        self.write(self.domain_file, DOMAIN)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def show(self, address):
        r = run(["account", "show", address, "--json"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def hash_of(self, user):
        m = re.search(r"- user: %s\n(?:    .*\n)*?    password: \"([^\"]+)\"" % user,
                      self.read(self.domain_file))
        self.assertIsNotNone(m, "no password line for %s" % user)
        return m.group(1)

    def verifies(self, stored, password):
        r = run(["pw", "--test", stored], stdin=password + "\n")
        return r.returncode == 0 and "verified" in r.stdout

    # --- config check / dump --------------------------------------------------------------

    def test_shipped_default_config_is_valid(self):
        r = run(["config", "check"], os.path.join(SOURCE, "conf", "tegami.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok", r.stdout)

    def test_demo_passwords_are_the_ones_in_the_admin_guide(self):
        guide = self.read(os.path.join(SOURCE, "docs", "admin-guide.md"))
        self.domain_file = os.path.join(SOURCE, "conf", "domains", "example.test.yaml")
        for user in ("alice", "bob"):
            m = re.search(r"`%s@example.test`[^|]*\| `([^`]+)`" % user, guide)
            self.assertIsNotNone(m, user)
            self.assertTrue(self.verifies(self.hash_of(user), m.group(1)), user)

    def test_check_reports_errors_with_file_line_column_and_exits_1(self):
        self.write(self.domain_file, DOMAIN.replace("plan: basic", "plan: basic\nmax_acounts: 9")
                   .replace("quota: 30", "quota: 1.5"))
        r = run(["config", "check"], self.main)
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.splitlines()
        # The message names the file, line and column and lists the keys a domain may have
        # (the list grows with features, so check its frame and a few of its members).
        prefix = self.domain_file + ":4:1: unknown key 'max_acounts' (expected one of: "
        unknown = [l for l in lines if l.startswith(prefix)]
        self.assertEqual(len(unknown), 1, lines)
        keys = unknown[0][len(prefix):].rstrip(")").split(", ")
        for key in ("domain", "plan", "max_accounts", "disk_quota", "accounts", "aliases", "lists"):
            self.assertIn(key, keys)
        self.assertIn(self.domain_file + ":12:12: expected a whole number of MB (e.g. 50, 50MB, "
                      "5GB), got '1.5'", lines)

    def test_check_prints_the_quota_sum_warning_and_exits_0(self):
        text = DOMAIN.replace("plan: basic", "plan: standard").replace("quota: 30", "quota: 50")
        text = text.replace("\naliases:", "  - user: bob\n    quota: 50\n\naliases:", 1)
        self.write(self.domain_file, text)
        r = run(["config", "check"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("warning", r.stderr)  # 50 + 50 = 100 MB is within the contract
        r = run(["account", "quota", "bob@acme.test", "51"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(["config", "check"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.domain_file + ":5:13: warning: domain 'acme.test': account quotas add "
                      "up to 101 MB, more than its disk_quota of 100 MB", r.stderr.splitlines())
        self.assertIn("1 warnings", r.stdout)

    def test_missing_config_file_is_an_error(self):
        r = run(["config", "check"], os.path.join(self.dir, "nope.yaml"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.yaml: cannot read config file", r.stderr)

    def test_dump_is_the_effective_config_and_loads_again(self):
        r = run(["config", "dump"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("max_message_size: 20971520", r.stdout)
        self.assertIn("max_recipients: 1000", r.stdout)
        self.assertIn("mail_root: " + os.path.join(self.dir, "var", "mail"), r.stdout)
        self.assertIn("max_lists: 1", r.stdout)  # min(3 / 2, 500)
        dumped = os.path.join(self.dir, "dumped.yaml")
        self.write(dumped, r.stdout)
        r2 = run(["config", "check"], dumped)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        r3 = run(["account", "show", "alice@acme.test", "--json"], dumped)
        self.assertEqual(json.loads(r3.stdout)["quota_mb"], 30)

    def test_dump_masks_relay_passwords(self):
        with open(self.main, "a") as f:
            f.write("outbound:\n"
                    "  smarthost: {host: relay.isp.test, user: acme, password: 'Hunter2-global'}\n"
                    "  domain_smarthosts:\n"
                    "    - {domain: acme.test, host: r.test, user: u, password: \"Hunter2-acme\"}\n")
        r = run(["config", "dump"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Hunter2", r.stdout)
        self.assertEqual(r.stdout.count('password: "********"'), 2, r.stdout)
        self.assertIn("user: acme", r.stdout)
        dumped = os.path.join(self.dir, "dumped.yaml")
        self.write(dumped, r.stdout)
        r2 = run(["config", "check"], dumped)
        self.assertEqual(r2.returncode, 0, r2.stderr)

    def test_config_from_environment_variable(self):
        r = run(["domain", "show", "acme.test"], env_extra={"TEGAMI_CONFIG": self.main})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("accounts:    1 / 3", r.stdout)

    # --- domain show ------------------------------------------------------------------------

    def test_domain_show_json(self):
        r = run(["domain", "show", "ACME.test", "--json"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = json.loads(r.stdout)
        self.assertEqual(d["accounts"], {"used": 1, "allowed": 3})
        self.assertEqual(d["lists"], {"used": 0, "allowed": 1})
        self.assertEqual(d["quota_mb"]["allocated"], 30)
        self.assertEqual(d["quota_mb"]["contract"], 100)
        self.assertFalse(d["quota_mb"]["over_contract"])
        r = run(["domain", "show", "other.test"], self.main)
        self.assertEqual(r.returncode, 1)

    # --- accounts -----------------------------------------------------------------------------

    def test_account_add_show_passwd_quota_del_round_trip(self):
        r = run(["account", "add", "Carol@acme.test", "--quota", "40", "--name", "Carol C"],
                self.main, stdin="s3cret pass\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        acc = self.show("carol@acme.test")
        self.assertEqual(acc["quota_mb"], 40)
        self.assertEqual(acc["display_name"], "Carol C")
        self.assertTrue(acc["enabled"])
        self.assertEqual(acc["maildir"], os.path.join(self.dir, "var", "mail", "acme.test", "carol"))
        stored = self.hash_of("carol")
        self.assertTrue(stored.startswith("{SHA512-CRYPT}$6$"), stored)
        self.assertTrue(self.verifies(stored, "s3cret pass"))
        self.assertFalse(self.verifies(stored, "wrong"))
        text = self.read(self.domain_file)
        self.assertIn("# ACME's contract: 3 addresses, 100 MB\n", text)
        self.assertIn("    quota: 30   # raised in March\n", text)

        r = run(["account", "passwd", "carol@acme.test"], self.main, stdin="n3w\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.verifies(self.hash_of("carol"), "n3w"))
        r = run(["account", "quota", "carol@acme.test", "50MB"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.show("carol@acme.test")["quota_mb"], 50)
        r = run(["account", "quota", "carol@acme.test", "1.5"], self.main)
        self.assertEqual(r.returncode, 2)
        r = run(["account", "quota", "carol@acme.test", "60"], self.main)  # basic: 50 MB max
        self.assertEqual(r.returncode, 1)
        self.assertIn("above the maximum of plan 'basic'", r.stderr)

        r = run(["account", "list", "acme.test", "--json"], self.main)
        self.assertEqual([a["address"] for a in json.loads(r.stdout)],
                         ["alice@acme.test", "carol@acme.test"])
        r = run(["account", "del", "carol@acme.test"], self.main)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(["account", "show", "carol@acme.test"], self.main)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.read(self.domain_file), DOMAIN)  # back to the original bytes
        self.assertEqual(run(["config", "check"], self.main).returncode, 0)

    def test_add_uses_argon2id_by_default(self):
        self.write(self.main, "server:\n  mail_root: ../var/mail\n")
        r = run(["account", "add", "dave@acme.test"], self.main, stdin="pw-dave\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        stored = self.hash_of("dave")
        self.assertTrue(stored.startswith("{ARGON2ID}$argon2id$"), stored)
        self.assertTrue(self.verifies(stored, "pw-dave"))

    def test_add_refuses_past_max_accounts_and_duplicates(self):
        for user in ("b", "c"):
            r = run(["account", "add", user + "@acme.test"], self.main, stdin="pw\n")
            self.assertEqual(r.returncode, 0, r.stderr)
        before = self.read(self.domain_file)
        r = run(["account", "add", "d@acme.test"], self.main, stdin="pw\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already has 3 of 3 accounts", r.stderr)
        r = run(["account", "add", "postmaster@acme.test"], self.main, stdin="pw\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already in use", r.stderr)
        r = run(["account", "add", "x@unknown.test"], self.main, stdin="pw\n")
        self.assertEqual(r.returncode, 1)
        r = run(["account", "add", "e@acme.test"], self.main, stdin="")
        self.assertEqual(r.returncode, 1)  # no password on stdin
        self.assertEqual(self.read(self.domain_file), before)
        self.assertEqual(run(["account", "add"], self.main).returncode, 2)

    def test_parallel_adds_are_all_kept(self):
        self.write(self.domain_file, DOMAIN.replace("max_accounts: 3", "max_accounts: 20")
                   .replace("disk_quota: 100MB", "disk_quota: 0"))
        env = dict(os.environ)
        env.pop("TEGAMI_CONFIG", None)
        pw_file = os.path.join(self.dir, "pw.txt")
        self.write(pw_file, "pw\n")
        procs = []
        for i in range(6):  # all started before any finishes: they race for the file
            with open(pw_file) as stdin:
                procs.append(subprocess.Popen(
                    [TEGAMI, "-c", self.main, "account", "add", "u%d@acme.test" % i],
                    stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    env=env))
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
        r = run(["account", "list", "acme.test", "--json"], self.main)
        names = sorted(a["address"] for a in json.loads(r.stdout))
        self.assertEqual(names, sorted(["alice@acme.test"] + ["u%d@acme.test" % i for i in range(6)]))

    def test_concurrent_hand_edit_is_not_lost(self):
        # The tool pauses 1.5 s before its final re-read; meanwhile an admin saves a hand edit.
        result = {}

        def add():
            result["r"] = run(["account", "add", "carol@acme.test", "--quota", "20"], self.main,
                              stdin="pw\n", env_extra={"TEGAMI_EDIT_PAUSE_MS": "1500"})

        t = threading.Thread(target=add)
        t.start()
        time.sleep(0.5)
        text = self.read(self.domain_file).replace("# the boss", "# the boss (hand edit)")
        self.write(self.domain_file, text)
        t.join(timeout=60)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["r"].returncode, 0, result["r"].stderr)
        final = self.read(self.domain_file)
        self.assertIn("# the boss (hand edit)", final)
        self.assertIn("- user: carol", final)
        self.assertEqual(self.show("carol@acme.test")["quota_mb"], 20)


if __name__ == "__main__":
    unittest.main()
