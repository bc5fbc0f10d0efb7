#!/usr/bin/env python3
"""`tegami deliver` as an MTA's delivery agent and `tegami quota show|recalc`, driven through
the built binary: exit codes 0 / 75 / 77, files in new/ with LF line ends and S=/W= sizes,
maildirsize kept in step, nothing left in tmp/ after a refusal."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("TEGAMI_BUILD_DIR", "build")
TEGAMI = os.path.join(BUILD, "tools", "tegami")
MB = 1048576


def make_maildir(path):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    return path


def run(args, stdin=b""):
    return subprocess.run([TEGAMI] + args, input=stdin, capture_output=True, timeout=60)


def deliver(maildir, message, *extra):
    return run(["deliver", "--maildir", maildir] + list(extra), message)


def listing(path):
    return sorted(os.listdir(path))


class DeliverTool(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tegami-deliver-")
        self.md = make_maildir(os.path.join(self.dir, "Maildir"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_delivers_stdin_with_lf_line_ends_and_sizes_in_the_name(self):
        msg = b"From: a@example.org\r\nSubject: hello\r\n\r\nbody line\r\n"
        p = deliver(self.md, msg)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = listing(os.path.join(self.md, "new"))
        self.assertEqual(len(names), 1)
        path = p.stdout.decode().strip()
        self.assertEqual(path, os.path.join(self.md, "new", names[0]))
        with open(path, "rb") as f:
            disk = f.read()
        self.assertEqual(disk, msg.replace(b"\r\n", b"\n"))
        m = re.match(r"^\d+\.M\d+P\d+Q\d+\.[^,]+,S=(\d+),W=(\d+)$", names[0])
        self.assertIsNotNone(m, names[0])
        self.assertEqual(int(m.group(1)), len(disk))
        self.assertEqual(int(m.group(2)), len(msg))
        self.assertEqual(listing(os.path.join(self.md, "tmp")), [])

    def test_overshoot_takes_one_message_over_then_refuses_with_77(self):
        big = b"Subject: big\n\n" + b"x" * (600 * 1024) + b"\n"
        self.assertEqual(deliver(self.md, big, "--quota", "1").returncode, 0)
        # 600 KB used of 1 MB: still under, so the next one is stored and takes it over.
        self.assertEqual(deliver(self.md, big, "--quota", "1").returncode, 0)
        p = deliver(self.md, b"Subject: small\n\nhi\n", "--quota", "1")
        self.assertEqual(p.returncode, 77)
        self.assertIn(b"over_quota", p.stderr)
        self.assertEqual(len(listing(os.path.join(self.md, "new"))), 2)
        self.assertEqual(listing(os.path.join(self.md, "tmp")), [])
        # Without --quota the limit in maildirsize still applies.
        self.assertEqual(deliver(self.md, b"x\n").returncode, 77)

    def test_strict_refuses_what_does_not_fit(self):
        big = b"x" * (600 * 1024)
        self.assertEqual(deliver(self.md, big, "--quota", "1", "--policy", "strict").returncode, 0)
        p = deliver(self.md, big, "--quota", "1", "--policy", "strict")
        self.assertEqual(p.returncode, 77)
        self.assertEqual(len(listing(os.path.join(self.md, "new"))), 1)
        # A small one still fits.
        small = deliver(self.md, b"y" * 1000, "--quota", "1", "--policy", "strict")
        self.assertEqual(small.returncode, 0)

    def test_too_large_is_refused_with_77_and_nothing_left(self):
        p = deliver(self.md, b"z" * (MB + 10), "--max-size", "1")
        self.assertEqual(p.returncode, 77)
        self.assertIn(b"limit", p.stderr)
        self.assertEqual(listing(os.path.join(self.md, "new")), [])
        self.assertEqual(listing(os.path.join(self.md, "tmp")), [])

    def test_missing_maildir_is_a_temporary_failure_75(self):
        p = deliver(os.path.join(self.dir, "nope"), b"x\n")
        self.assertEqual(p.returncode, 75)
        self.assertTrue(p.stderr)

    def test_usage_errors(self):
        self.assertEqual(run(["deliver"]).returncode, 2)
        self.assertEqual(deliver(self.md, b"x", "--policy", "lenient").returncode, 2)
        self.assertEqual(deliver(self.md, b"x", "--quota", "ten").returncode, 2)

    def test_quota_warning_once_per_day(self):
        msg = b"Subject: data\n\n" + b"d" * (950 * 1024) + b"\n"
        p = deliver(self.md, msg, "--quota", "1", "--warn", "90")
        self.assertEqual(p.returncode, 0, p.stderr)
        new = os.path.join(self.md, "new")
        warnings = []
        for name in listing(new):
            with open(os.path.join(new, name), "rb") as f:
                if b"mailbox is over 90% full" in f.read():
                    warnings.append(name)
        self.assertEqual(len(warnings), 1)
        self.assertTrue(os.path.exists(os.path.join(self.md, "quotawarn")))
        # Still under quota (the warning is small), but no second warning within 24 hours.
        self.assertEqual(deliver(self.md, b"x\n", "--quota", "1", "--warn", "90").returncode, 0)
        self.assertEqual(len(listing(new)), 3)
        custom = os.path.join(self.dir, "warn.txt")
        with open(custom, "wb") as f:
            f.write(b"Subject: custom warning\n\nfull\n")
        old = os.path.getmtime(os.path.join(self.md, "quotawarn")) - 25 * 3600
        os.utime(os.path.join(self.md, "quotawarn"), (old, old))
        p = deliver(self.md, b"y\n", "--quota", "1", "--warn", "90", "--warn-message", custom)
        self.assertEqual(p.returncode, 0, p.stderr)
        texts = []
        for name in listing(new):
            with open(os.path.join(new, name), "rb") as f:
                texts.append(f.read())
        self.assertIn(b"Subject: custom warning\n\nfull\n", texts)
        self.assertEqual(deliver(self.md, b"x", "--warn", "0").returncode, 2)

    def test_quota_show_and_recalc(self):
        sizes = []
        for n in (100, 2000, 30000):
            body = b"a" * n + b"\r\n"
            self.assertEqual(deliver(self.md, body, "--quota", "5").returncode, 0)
            sizes.append(n + 1)
        p = run(["quota", "show", "--json", self.md])
        self.assertEqual(p.returncode, 0, p.stderr)
        u = json.loads(p.stdout)
        self.assertEqual(u["bytes"], sum(sizes))
        self.assertEqual(u["count"], 3)
        self.assertEqual(u["limit_bytes"], 5 * MB)
        human = run(["quota", "show", self.md])
        self.assertEqual(human.returncode, 0)
        self.assertIn(b"of 5.0 MB", human.stdout)
        self.assertIn(b"3 messages", human.stdout)

        # Someone removes a message behind tegami's back (mutt, rm): recalc finds out.
        victim = listing(os.path.join(self.md, "new"))[0]
        os.unlink(os.path.join(self.md, "new", victim))
        size = int(re.search(r",S=(\d+)", victim).group(1))
        p = run(["quota", "recalc", "--json", self.md])
        self.assertEqual(p.returncode, 0, p.stderr)
        u = json.loads(p.stdout)
        self.assertEqual(u["bytes"], sum(sizes) - size)
        self.assertEqual(u["count"], 2)
        with open(os.path.join(self.md, "maildirsize")) as f:
            self.assertEqual(f.read(), "%dS\n%d 2\n" % (5 * MB, sum(sizes) - size))

        # A new limit given to recalc is written as the header.
        p = run(["quota", "recalc", "--quota", "7", self.md])
        self.assertEqual(p.returncode, 0)
        with open(os.path.join(self.md, "maildirsize")) as f:
            self.assertEqual(f.readline(), "%dS\n" % (7 * MB))
        self.assertEqual(run(["quota", "show"]).returncode, 2)
        self.assertEqual(run(["quota", "show", os.path.join(self.dir, "nope")]).returncode, 1)


if __name__ == "__main__":
    if not os.access(TEGAMI, os.X_OK):
        print("tegami binary not found at %s" % TEGAMI, file=sys.stderr)
        sys.exit(1)
    unittest.main()
