"""`tegami maildir make <dir>`: creates a Maildir++ root; exit 1 with a message otherwise."""
import os
import stat
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("TEGAMI_BUILD_DIR", "build")
TEGAMI = os.path.join(BUILD, "tools", "tegami")


def run(*args):
    return subprocess.run([TEGAMI, *args], capture_output=True, text=True, timeout=30)


class MaildirMake(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_creates_root_with_private_subdirs(self):
        root = os.path.join(self.tmp.name, "Maildir")
        r = run("maildir", "make", root)
        self.assertEqual(r.returncode, 0, r.stderr)
        for sub in ("", "tmp", "new", "cur"):
            st = os.lstat(os.path.join(root, sub))
            self.assertTrue(stat.S_ISDIR(st.st_mode))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        # Running it again on a Maildir is fine.
        self.assertEqual(run("maildir", "make", root).returncode, 0)

    def test_missing_parent_fails_with_message(self):
        r = run("maildir", "make", os.path.join(self.tmp.name, "no", "such", "Maildir"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not_found", r.stderr)

    def test_existing_file_fails_with_message(self):
        path = os.path.join(self.tmp.name, "file")
        with open(path, "w") as f:
            f.write("x")
        r = run("maildir", "make", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a directory", r.stderr)

    def test_non_maildir_directory_is_left_alone(self):
        home = os.path.join(self.tmp.name, "home")
        os.makedirs(os.path.join(home, "Documents"))
        r = run("maildir", "make", home)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a Maildir", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(home, "cur")))

    def test_symlinked_subdir_is_refused(self):
        root = os.path.join(self.tmp.name, "Maildir")
        os.mkdir(root)
        os.symlink("/tmp", os.path.join(root, "cur"))
        r = run("maildir", "make", root)
        self.assertEqual(r.returncode, 1)
        self.assertIn("symlink", r.stderr)

    def test_usage(self):
        self.assertEqual(run("maildir", "make").returncode, 2)


if __name__ == "__main__":
    result = unittest.main(exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
