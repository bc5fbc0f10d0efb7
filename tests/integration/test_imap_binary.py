"""BINARY (RFC 3516) against the real tegamid: FETCH BINARY[part] / BINARY.PEEK / BINARY.SIZE
with base64 and quoted-printable parts decoded, partials on the decoded content, literal8
(~{n}) for content with NUL bytes, a 300 KB base64 attachment streamed and byte-exact,
BINARY[] and message/rfc822 parts re-rendered with their parts decoded (as Dovecot does),
NO [UNKNOWN-CTE] for an encoding tegami cannot decode, \\Seen set by BINARY but not by BINARY.PEEK, BAD for sections other than
part numbers, APPEND with a literal8 carrying NUL bytes. Then a differential run against
Debian's Dovecot over a copy of the same Maildir."""
import base64
import os
import quopri
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from imap_raw import RawImap  # noqa: E402
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from tegamid import Tegamid  # noqa: E402

PLAN_EXTRA = plan_yaml()
DOMAIN = domain_yaml(("alice",))

ATTACHMENT = bytes(range(256)) * 1200  # 300 KB with NUL bytes
SMALL_BIN = b"\x00\x01binary\x00data\xff" * 10
QP_TEXT = "Grüße aus Köln — 東京\r\nline two with = sign and trailing space \r\n".encode()
JA_TEXT = "会議の資料を送ります。\r\n".encode() * 50


def b64(data):
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def corpus():
    msgs = []
    # 1: single part, base64 text
    msgs.append(b"From: a@example.org\r\nSubject: b64 single\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(JA_TEXT))
    # 2: multipart: qp text, big base64 attachment, small base64 binary, 8bit text
    msgs.append(b"From: a@example.org\r\nSubject: multi\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=XX\r\n\r\npreamble\r\n"
                b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                + quopri.encodestring(QP_TEXT).replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
                + b"\r\n--XX\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(ATTACHMENT) +
                b"\r\n--XX\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: BASE64\r\n\r\n" + b64(SMALL_BIN) +
                b"\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "日本語の本文\r\n".encode() +
                b"\r\n--XX--\r\n")
    # 3: unknown encoding
    msgs.append(b"From: a@example.org\r\nSubject: uu\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=YY\r\n\r\n"
                b"--YY\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
                b"--YY\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n`\r\nend\r\n"
                b"--YY--\r\n")
    # 4: message/rfc822 inside
    msgs.append(b"From: a@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=ZZ\r\n\r\n"
                b"--ZZ\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
                b"--ZZ\r\nContent-Type: message/rfc822\r\n\r\n"
                b"From: b@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64(b"inner body\r\n") + b"\r\n--ZZ--\r\n")
    return msgs


def literal_item(resp, name):
    """The bytes of item `name` (e.g. b'BINARY[1]') in a FETCH response, and whether it was a
    literal8."""
    i = resp.index(name + b" ")
    rest = resp[i + len(name) + 1:]
    m = re.match(rb"(~?)\{(\d+)\}\r\n", rest)
    assert m, rest[:40]
    return rest[m.end():m.end() + int(m.group(2))], m.group(1) == b"~"


def number_item(resp, name):
    return int(re.search(re.escape(name) + rb" (\d+)", resp).group(1))


# Deliberate differences from Dovecot 2.3, each with its reason.
ALLOW = {
    (3, "BINARY.SIZE[1]"): "Dovecot refuses every part of a message with an unknown encoding "
                           "somewhere; part 1 is plain 7bit and tegami answers it",
    (2, "BINARY.SIZE[2]"): "Dovecot says 307146 for a 307200-byte attachment; tegami's size is "
                           "the length BINARY[2] sends (checked in test_multipart_parts)",
}

DIFF_ITEMS = ["BINARY.PEEK[]", "BINARY.PEEK[1]", "BINARY.PEEK[2]", "BINARY.PEEK[3]",
              "BINARY.PEEK[4]", "BINARY.PEEK[1]<5.20>", "BINARY.PEEK[2]<1000.5000>",
              "BINARY.SIZE[1]", "BINARY.SIZE[2]", "BINARY.SIZE[3]", "BINARY.SIZE[4]",
              "BINARY.PEEK[2.1]", "BINARY.PEEK[4.1]"]


class Binary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                        domains={"example.com.yaml": DOMAIN}, main_extra=PLAN_EXTRA)
        cls.d.start()
        cls.addClassCleanup(cls.d.__exit__, None, None, None)
        cls.root = os.path.join(cls.d.dir, "var", "mail", "example.com", "alice")
        r = cls.login(cls)
        r.command("CREATE Bin")
        for k, data in enumerate(corpus()):
            r.sock.sendall(b"a%d APPEND Bin {%d+}\r\n" % (k, len(data)) + data + b"\r\n")
            line = r.response()
            assert line.startswith(b"a%d OK" % k), line
        r.close()

    def login(self):
        r = RawImap(self.d.port("imap"))
        _, st = r.command(f'LOGIN alice@example.com "{PASSWORD}"')
        assert b"OK" in st, st
        return r

    def select(self, box="Bin"):
        r = self.login()
        _, st = r.command("SELECT " + box)
        self.assertIn(b"OK", st)
        return r

    def fetch(self, r, seq, items):
        untagged, st = r.command(f"FETCH {seq} ({items})")
        return [u for u in untagged if b" FETCH " in u], st

    def test_capability(self):
        r = self.login()
        untagged, _ = r.command("CAPABILITY")
        self.assertIn(b" BINARY", untagged[0])
        r.close()

    def test_base64_decoded(self):
        r = self.select()
        out, st = self.fetch(r, 1, "BINARY.PEEK[1] BINARY.SIZE[1]")
        self.assertIn(b"OK", st)
        data, lit8 = literal_item(out[0], b"BINARY[1]")
        self.assertEqual(data, JA_TEXT)
        self.assertTrue(lit8)  # always a literal8, as Dovecot
        self.assertEqual(number_item(out[0], b"BINARY.SIZE[1]"), len(JA_TEXT))
        out, _ = self.fetch(r, 1, "BINARY.PEEK[1]<10.30>")
        self.assertEqual(literal_item(out[0], b"BINARY[1]<10>")[0], JA_TEXT[10:40])
        out, _ = self.fetch(r, 1, f"BINARY.PEEK[1]<{len(JA_TEXT) + 5}.10>")
        self.assertEqual(literal_item(out[0], b"BINARY[1]<%d>" % (len(JA_TEXT) + 5))[0], b"")
        r.close()

    def test_multipart_parts(self):
        r = self.select()
        out, st = self.fetch(r, 2, "BINARY.PEEK[1] BINARY.PEEK[3] BINARY.PEEK[4] BINARY.SIZE[2]")
        self.assertIn(b"OK", st)
        self.assertEqual(literal_item(out[0], b"BINARY[1]")[0], QP_TEXT)
        data, lit8 = literal_item(out[0], b"BINARY[3]")
        self.assertEqual(data, SMALL_BIN)
        self.assertTrue(lit8)  # NUL bytes: literal8
        self.assertEqual(literal_item(out[0], b"BINARY[4]")[0], "日本語の本文\r\n".encode())
        self.assertEqual(number_item(out[0], b"BINARY.SIZE[2]"), len(ATTACHMENT))
        # The 300 KB attachment is streamed, decoded, byte for byte; and a partial of it.
        out, _ = self.fetch(r, 2, "BINARY.PEEK[2]")
        data, lit8 = literal_item(out[0], b"BINARY[2]")
        self.assertEqual(data, ATTACHMENT)
        self.assertTrue(lit8)
        out, _ = self.fetch(r, 2, "BINARY.PEEK[2]<100000.150000>")
        self.assertEqual(literal_item(out[0], b"BINARY[2]<100000>")[0],
                         ATTACHMENT[100000:250000])
        # BINARY[] re-renders the message with its parts decoded (as Dovecot), and
        # BINARY.SIZE[] is what it sends; a partial of it.
        out, _ = self.fetch(r, 2, "BINARY.PEEK[] BINARY.SIZE[]")
        whole, lit8 = literal_item(out[0], b"BINARY[]")
        self.assertTrue(lit8)
        self.assertEqual(number_item(out[0], b"BINARY.SIZE[]"), len(whole))
        self.assertIn(b"Content-Transfer-Encoding: binary\r\n\r\n" + QP_TEXT, whole)
        self.assertIn(b"Content-Transfer-Encoding: binary\r\n\r\n" + ATTACHMENT + b"\r\n--XX",
                      whole)
        self.assertIn(b"Content-Transfer-Encoding: 8bit\r\n", whole)  # identity parts unchanged
        self.assertTrue(whole.endswith(b"\r\n--XX--\r\n"))
        out, _ = self.fetch(r, 2, "BINARY.PEEK[]<300.200000>")
        self.assertEqual(literal_item(out[0], b"BINARY[]<300>")[0], whole[300:200300])
        # BINARY[n] of a message/rfc822 part: the inner message rendered the same way.
        out, _ = self.fetch(r, 4, "BINARY.PEEK[2] BINARY.PEEK[2.1]")
        inner = literal_item(out[0], b"BINARY[2]")[0]
        self.assertTrue(inner.endswith(b"Content-Transfer-Encoding: binary\r\n\r\n"
                                       b"inner body\r\n"), inner)
        self.assertEqual(literal_item(out[0], b"BINARY[2.1]")[0], b"inner body\r\n")
        r.close()

    def test_unknown_cte_and_bad_sections(self):
        r = self.select()
        for item in ("BINARY.PEEK[2]", "BINARY.PEEK[]", "BINARY.SIZE[]"):
            _, st = self.fetch(r, 3, item)
            self.assertIn(b"NO [UNKNOWN-CTE]", st, item)
        out, st = self.fetch(r, 3, "BINARY.PEEK[1]")
        self.assertIn(b"OK", st)
        for bad in ("BINARY[1.MIME]", "BINARY[HEADER]", "BINARY.SIZE[1]<0.5>", "BINARY[1"):
            _, st = r.command(f"FETCH 1 ({bad})")
            self.assertIn(b"BAD", st, bad)
        r.close()

    def test_seen(self):
        r = self.select()
        r.command("STORE 4 -FLAGS (\\Seen)")
        out, _ = self.fetch(r, 4, "BINARY.PEEK[1]")
        self.assertNotIn(b"\\Seen", out[0])
        out, _ = self.fetch(r, 4, "BINARY[1]")
        self.assertIn(b"\\Seen", out[0])  # FLAGS come with the non-PEEK fetch
        out, _ = self.fetch(r, 4, "FLAGS")
        self.assertIn(b"\\Seen", out[0])
        r.command("STORE 4 -FLAGS (\\Seen)")
        r.close()

    def test_append_literal8(self):
        r = self.login()
        r.command("CREATE Up")
        msg = (b"From: a@example.org\r\nSubject: nul\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Transfer-Encoding: binary\r\n\r\n" + SMALL_BIN + b"\r\n")
        r.sock.sendall(b"u1 APPEND Up ~{%d+}\r\n" % len(msg) + msg + b"\r\n")
        line = r.response()
        self.assertTrue(line.startswith(b"u1 OK"), line)
        r.command("SELECT Up")
        out, _ = self.fetch(r, 1, "BINARY.PEEK[] BINARY.PEEK[1] BODY.PEEK[]")
        data, lit8 = literal_item(out[0], b"BINARY[]")
        self.assertEqual(data, msg)
        self.assertTrue(lit8)
        self.assertEqual(literal_item(out[0], b"BODY[]")[0], msg)
        self.assertEqual(literal_item(out[0], b"BINARY[1]")[0], SMALL_BIN + b"\r\n")
        r.close()

    def test_differential_with_dovecot(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            self.skipTest("dovecot not installed")
        from dovecot import Dovecot  # noqa: E402

        def answers(r):
            out = {}
            for seq in range(1, len(corpus()) + 1):
                for item in DIFF_ITEMS:
                    untagged, st = r.command(f"FETCH {seq} ({item})")
                    status = st.split(b" ", 2)[1:]
                    code = re.match(rb"(NO|BAD|OK)( \[[A-Z-]+\])?", status[0] + b" " +
                                    (status[1] if len(status) > 1 else b""))
                    fetched = [u for u in untagged if b" FETCH " in u]
                    body = re.sub(rb" ?FLAGS \([^)]*\)", b"", fetched[0]) if fetched else b""
                    # A NO carries no FETCH data worth comparing (Dovecot sends a bare UID).
                    out[(seq, item)] = (code.group(0), body if code.group(1) == b"OK" else b"")
            return out

        r = self.select()
        ours = answers(r)
        r.close()
        tmp = tempfile.mkdtemp(prefix="tegami-binary-diff-")
        try:
            os.chmod(tmp, 0o755)
            copy = os.path.join(tmp, "alice")
            shutil.copytree(self.root, copy, symlinks=True)
            with Dovecot(maildir_root=copy, user="alice", password="pw") as dc:
                c = RawImap(dc.imap_port)
                c.command("LOGIN alice pw")
                c.command("SELECT Bin")
                theirs = answers(c)
                c.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        diffs = []
        for key in ours:
            if ours[key] != theirs[key] and key not in ALLOW:
                diffs.append(f"{key}: tegami {ours[key][0]} {ours[key][1][:200]!r}\n"
                             f"      dovecot {theirs[key][0]} {theirs[key][1][:200]!r}")
        self.assertEqual(diffs, [], "\n".join(diffs))
        stale = [k for k in ALLOW if ours[k] == theirs[k]]
        self.assertEqual(stale, [], "allow-list entries that no longer differ")


if __name__ == "__main__":
    unittest.main(verbosity=2)
