"""`tegami maildir check [--repair] <dir>`: finds damage, repairs it, exits 0 only when clean."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.environ.get("TEGAMI_BUILD_DIR", "build")
TEGAMI = os.path.join(BUILD, "tools", "tegami")


def run(*args):
    p = subprocess.run([TEGAMI, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class MaildirCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tegami-check-")
        self.root = os.path.join(self.tmp, "Maildir")
        code, out = run("maildir", "make", self.root)
        self.assertEqual(code, 0, out)
        sent = os.path.join(self.root, ".Sent")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(sent, sub))
        open(os.path.join(sent, "maildirfolder"), "w").close()
        self.sent = sent

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, data):
        path = os.path.join(self.root, rel)
        with open(path, "w") as f:
            f.write(data)
        return path

    def test_clean_tree_exits_zero(self):
        self.write("new/1.a.host,S=2", "x\n")  # new mail without UID yet: only a note
        code, out = run("maildir", "check", self.root)
        self.assertEqual(code, 0, out)
        self.assertIn("clean", out)

    def test_problems_are_reported_then_repaired(self):
        self.write("cur/1.a.host,S=2:2,S", "x\n")
        self.write(".Sent/cur/2.b.host,S=3:2,S", "yy\n")
        code, out = run("maildir", "check", "--repair", self.root)
        self.assertEqual(code, 0, out)
        # Damage of every kind the command knows.
        stale = self.write("tmp/1.stale.host", "half a message")
        old = time.time() - 3 * 24 * 3600
        os.utime(stale, (old, old))
        fresh_tmp = self.write("tmp/2.fresh.host", "being delivered")
        self.write("tegami-index", "garbage")
        os.rmdir(os.path.join(self.sent, "tmp"))
        code, out = run("quota", "recalc", "--quota", "10", self.root)
        self.assertEqual(code, 0, out)
        with open(os.path.join(self.root, "maildirsize"), "a") as f:
            f.write("1000 7\n")  # drift
        self.write("cur/3.c.host,S=2:2,", "z\n")  # put into cur/ behind a sync's back

        code, out = run("maildir", "check", self.root)
        self.assertEqual(code, 1, out)
        self.assertIn("tmp/1.stale.host is older than 36 hours", out)
        self.assertNotIn("2.fresh.host", out)
        self.assertIn("tegami-index is broken", out)
        self.assertIn("Sent: tmp/ is missing", out)
        self.assertIn("quota drift", out)
        self.assertIn("without a UID", out)
        self.assertTrue(os.path.exists(stale))  # check alone changes nothing

        code, out = run("maildir", "check", "--repair", self.root)
        self.assertEqual(code, 0, out)
        self.assertFalse(os.path.exists(stale))
        self.assertTrue(os.path.exists(fresh_tmp))
        self.assertTrue(os.path.isdir(os.path.join(self.sent, "tmp")))
        with open(os.path.join(self.root, "maildirsize")) as f:
            lines = f.read().split("\n")
        self.assertEqual(lines[0], "10485760S")
        total = [0, 0]
        for line in lines[1:]:
            if line.strip():
                b, c = line.split()
                total[0] += int(b)
                total[1] += int(c)
        self.assertEqual(total, [2 + 3 + 2, 3])
        with open(os.path.join(self.root, "dovecot-uidlist")) as f:
            self.assertIn("3.c.host", f.read())

        code, out = run("maildir", "check", self.root)
        self.assertEqual(code, 0, out)
        self.assertIn("clean", out)

    def test_damaged_uidlist_lines_are_rewritten(self):
        self.write("cur/1.a.host,S=2:2,S", "x\n")
        code, out = run("maildir", "check", "--repair", self.root)
        self.assertEqual(code, 0, out)
        with open(os.path.join(self.root, "dovecot-uidlist"), "a") as f:
            f.write("this is not a record\n")
        code, out = run("maildir", "check", self.root)
        self.assertEqual(code, 1, out)
        self.assertIn("damaged line", out)
        code, out = run("maildir", "check", "--repair", self.root)
        self.assertEqual(code, 0, out)
        with open(os.path.join(self.root, "dovecot-uidlist")) as f:
            self.assertNotIn("not a record", f.read())

    def test_usage_error(self):
        code, out = run("maildir", "check")
        self.assertEqual(code, 2, out)


if __name__ == "__main__":
    result = unittest.main(exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
