"""`tegami pw`: the hashes it prints verify with tegami's own library (`tegami pw --test`), with
Python's crypt module, with an independent pure-Python SHA-512-crypt, and with Dovecot's
`doveadm pw -t`; and hashes Dovecot makes verify with tegami (migration by copy).

Runs the real binary from $TEGAMI_BUILD_DIR/tools/tegami. Every subprocess has a timeout.
"""
import hashlib
import os
import pty
import select
import shutil
import subprocess
import sys
import time
import unittest
import warnings

BUILD = os.environ.get("TEGAMI_BUILD_DIR", "build")
TEGAMI = os.path.join(BUILD, "tools", "tegami")
DOVEADM = shutil.which("doveadm")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # deprecated but present in Python 3.11; wraps the system crypt(3)


def run(args, stdin_bytes=b"", timeout=60):
    return subprocess.run([TEGAMI] + args, input=stdin_bytes, capture_output=True,
                          timeout=timeout)


def tegami_pw(password, scheme=None):
    args = ["pw"] + (["--scheme", scheme] if scheme else [])
    r = run(args, password.encode() + b"\n")
    if r.returncode != 0:
        raise AssertionError(f"tegami pw failed: {r.stderr!r}")
    out = r.stdout.decode().strip()
    assert "\n" not in out, out
    return out


def tegami_test(stored, password):
    return run(["pw", "--test", stored], password.encode() + b"\n")


# --- An independent SHA-512-crypt (Drepper, "Unix crypt using SHA-256 and SHA-512"), written
# from the specification with hashlib only, so that the check does not go through libcrypt.
_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _b64_24(b2, b1, b0, n):
    w = (b2 << 16) | (b1 << 8) | b0
    out = ""
    for _ in range(n):
        out += _ALPHABET[w & 0x3F]
        w >>= 6
    return out


def sha512_crypt(password: bytes, setting: str) -> str:
    assert setting.startswith("$6$")
    rest = setting[3:]
    rounds, explicit = 5000, False
    if rest.startswith("rounds="):
        num, rest = rest[7:].split("$", 1)
        rounds, explicit = max(1000, min(999999999, int(num))), True
    salt = rest.split("$", 1)[0][:16].encode()
    p = password
    b = hashlib.sha512(p + salt + p).digest()
    a = hashlib.sha512(p + salt)
    n = len(p)
    while n > 64:
        a.update(b)
        n -= 64
    a.update(b[:n])
    n = len(p)
    while n > 0:
        a.update(b if n & 1 else p)
        n >>= 1
    c = a.digest()
    dp = hashlib.sha512(p * len(p)).digest()
    p_seq = (dp * (len(p) // 64 + 1))[: len(p)]
    ds = hashlib.sha512(salt * (16 + c[0])).digest()
    s_seq = (ds * (len(salt) // 64 + 1))[: len(salt)]
    for i in range(rounds):
        h = hashlib.sha512(p_seq if i & 1 else c)
        if i % 3:
            h.update(s_seq)
        if i % 7:
            h.update(p_seq)
        h.update(c if i & 1 else p_seq)
        c = h.digest()
    enc = ""
    for k in range(21):
        x, y, z = c[k], c[k + 21], c[k + 42]
        order = [(x, y, z), (y, z, x), (z, x, y)][k % 3]
        enc += _b64_24(*order, 4)
    enc += _b64_24(0, 0, c[63], 2)
    head = "$6$" + (f"rounds={rounds}$" if explicit else "")
    return head + salt.decode() + "$" + enc


PASSWORDS = ["correct horse battery staple", "p\u00e4ssw\u00f6rd \u65e5\u672c\u8a9e", "x"]


class TegamiPw(unittest.TestCase):
    def test_independent_sha512_crypt_matches_published_vectors(self):
        # Guards the reference implementation used below (Drepper's test vectors).
        self.assertEqual(
            sha512_crypt(b"Hello world!", "$6$saltstring"),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcb"
            "YEdFCoEOfaS35inz1")
        self.assertEqual(
            sha512_crypt(b"Hello world!", "$6$rounds=10000$saltstringsaltstring"),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/Urj"
            "mM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")

    def test_default_is_argon2id_and_verifies_with_the_library(self):
        for pw in PASSWORDS:
            h = tegami_pw(pw)
            self.assertTrue(h.startswith("{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$"), h)
            r = tegami_test(h, pw)
            self.assertEqual((r.returncode, r.stdout), (0, b"verified\n"), r.stderr)
            r = tegami_test(h, pw + "!")
            self.assertEqual((r.returncode, r.stdout), (1, b"mismatch\n"))

    def test_sha512_crypt_verifies_with_python_crypt_and_independent_code(self):
        for pw in PASSWORDS:
            h = tegami_pw(pw, "SHA512-CRYPT")
            self.assertTrue(h.startswith("{SHA512-CRYPT}$6$rounds=100000$"), h)
            bare = h[len("{SHA512-CRYPT}"):]
            self.assertEqual(crypt.crypt(pw, bare), bare)
            self.assertNotEqual(crypt.crypt(pw + "!", bare), bare)
            self.assertEqual(sha512_crypt(pw.encode(), bare), bare)
            self.assertEqual(tegami_test(h, pw).returncode, 0)

    def test_blf_crypt_verifies_with_python_crypt(self):
        h = tegami_pw(PASSWORDS[1], "blf-crypt")
        self.assertTrue(h.startswith("{BLF-CRYPT}$2y$10$"), h)
        bare = h[len("{BLF-CRYPT}"):]
        self.assertEqual(crypt.crypt(PASSWORDS[1], bare), bare)
        self.assertEqual(tegami_test(h, PASSWORDS[1]).returncode, 0)
        self.assertEqual(tegami_test(h, PASSWORDS[0]).returncode, 1)

    @unittest.skipUnless(DOVEADM, "doveadm not installed")
    def test_dovecot_verifies_tegami_hashes(self):
        for scheme in ["ARGON2ID", "SHA512-CRYPT", "BLF-CRYPT"]:
            for pw in PASSWORDS[:2]:
                h = tegami_pw(pw, scheme)
                ok = subprocess.run([DOVEADM, "pw", "-t", h, "-p", pw], capture_output=True,
                                    timeout=60)
                self.assertEqual(ok.returncode, 0, (scheme, ok.stderr))
                bad = subprocess.run([DOVEADM, "pw", "-t", h, "-p", pw + "!"],
                                     capture_output=True, timeout=60)
                self.assertNotEqual(bad.returncode, 0, scheme)

    @unittest.skipUnless(DOVEADM, "doveadm not installed")
    def test_dovecot_hashes_verify_with_tegami(self):
        schemes = ["ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT",
                   "MD5-CRYPT", "CRYPT", "PLAIN"]
        for scheme in schemes:
            pw = PASSWORDS[1] if scheme != "CRYPT" else "des8char"
            made = subprocess.run([DOVEADM, "pw", "-s", scheme, "-p", pw], capture_output=True,
                                  timeout=60)
            self.assertEqual(made.returncode, 0, made.stderr)
            h = made.stdout.decode().strip()
            self.assertTrue(h.startswith("{" + scheme + "}"), h)
            r = tegami_test(h, pw)
            self.assertEqual((r.returncode, r.stdout), (0, b"verified\n"), (h, r.stderr))
            self.assertEqual(tegami_test(h, "wrong").returncode, 1, h)

    def test_usage_errors(self):
        self.assertEqual(run(["pw", "--scheme", "MD5-CRYPT"], b"pw\n").returncode, 2)
        self.assertEqual(run(["pw", "--bogus"], b"pw\n").returncode, 2)
        r = run(["pw"], b"")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, b"")
        self.assertEqual(run(["pw"], b"\n").returncode, 1)  # empty password refused
        self.assertEqual(run(["pw", "--test", "{NOPE}x"], b"pw\n").returncode, 1)

    def _on_terminal(self, answers, timeout=30):
        """Runs `tegami pw` on a pseudo-terminal, answering each prompt; returns (rc, output)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(TEGAMI, [TEGAMI, "pw", "--scheme", "SHA512-CRYPT"])
        out = b""
        deadline = time.monotonic() + timeout
        pending = list(answers)
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    break
                out += chunk
                if pending and out.count(b"assword: ") > len(answers) - len(pending):
                    os.write(fd, pending.pop(0).encode() + b"\n")
            while time.monotonic() < deadline:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status), out
                time.sleep(0.05)
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            self.fail(f"tegami pw on a terminal did not finish: {out!r}")
        finally:
            os.close(fd)

    def test_terminal_prompts_twice_without_echo(self):
        rc, out = self._on_terminal(["tty-secret", "tty-secret"])
        self.assertEqual(rc, 0, out)
        self.assertIn(b"Password: ", out)
        self.assertIn(b"Retype password: ", out)
        self.assertNotIn(b"tty-secret", out)  # never echoed
        line = [l for l in out.decode().splitlines() if l.startswith("{SHA512-CRYPT}")]
        self.assertEqual(len(line), 1, out)
        bare = line[0][len("{SHA512-CRYPT}"):]
        self.assertEqual(sha512_crypt(b"tty-secret", bare), bare)

    def test_terminal_mismatched_retype_fails(self):
        rc, out = self._on_terminal(["one", "two"])
        self.assertEqual(rc, 1, out)
        self.assertIn(b"do not match", out)
        self.assertNotIn(b"{SHA512-CRYPT}", out)


if __name__ == "__main__":
    if not os.access(TEGAMI, os.X_OK):
        print(f"{TEGAMI} not built", file=sys.stderr)
        sys.exit(1)
    unittest.main()
