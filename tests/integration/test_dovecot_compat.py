"""Dovecot compatibility of the storage library, against Debian's real Dovecot (issue 2).

1. A Maildir written by tegami (`tegami mailbox ...`, the storage library) is served by Dovecot
   with the same UIDVALIDITY, UIDs, flags, keywords and folder names (Japanese ones included).
2. A Maildir written by Dovecot through IMAP (CREATE, APPEND with flags and keywords, STORE,
   EXPUNGE) is read by tegami with the same UIDs, flags and keywords and folder names.
3. Both in turn on one Maildir: UIDs stay consistent and are never reused.
"""
import base64
import imaplib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from dovecot import Dovecot  # noqa: E402

TEGAMI = os.path.join(os.environ.get("TEGAMI_BUILD_DIR", "build"), "tools", "tegami")

IMAP_FLAG_OF_LETTER = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen",
                       "T": "\\Deleted"}
LETTER_OF_IMAP_FLAG = {v: k for k, v in IMAP_FLAG_OF_LETTER.items()}

FOLDERS = ["下書き", "送信済み", "Work", "Work/2024", "Kunden & Partner"]


def mutf7_encode(name):
    """RFC 3501 modified UTF-7 (an independent implementation for the test)."""
    out, buf = [], []

    def flush():
        if buf:
            b64 = base64.b64encode("".join(buf).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            buf.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def dec(m):
        s = m.group(1)
        if s == "":
            return "&"
        s = s.replace(",", "/")
        s += "=" * (-len(s) % 4)
        return base64.b64decode(s).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)


def tegami(*args, stdin=None):
    r = subprocess.run([TEGAMI, *args], input=stdin, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"tegami {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout.decode()


def tegami_status(root, folder):
    return json.loads(tegami("mailbox", "status", root, folder, "--json"))


def tegami_view(root, folder):
    """{uid: (flag letters, sorted keywords)} and uidvalidity as tegami sees them."""
    st = tegami_status(root, folder)
    view = {m["uid"]: ("".join(sorted(m["flags"])), tuple(sorted(m["keywords"])))
            for m in st["messages"]}
    return st["uidvalidity"], view


def imap_login(port):
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    imap.login("alice", "secret")
    return imap


def imap_view(imap, folder):
    """{uid: (flag letters, sorted keywords)} and uidvalidity as Dovecot reports them."""
    typ, _ = imap.select(quote(mutf7_encode(folder)), readonly=True)
    assert typ == "OK", f"SELECT {folder} failed"
    uidvalidity = int(imap.untagged_responses["UIDVALIDITY"][0])
    typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
    assert typ == "OK"
    view = {}
    for item in data:
        if not item:
            continue
        line = item.decode() if isinstance(item, bytes) else item[0].decode()
        m = re.search(r"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)", line)
        if not m:
            continue
        uid = int(m.group(1) or m.group(4))
        flags = (m.group(2) if m.group(2) is not None else m.group(3)).split()
        letters = "".join(sorted(LETTER_OF_IMAP_FLAG[f] for f in flags if f in LETTER_OF_IMAP_FLAG))
        keywords = tuple(sorted(f for f in flags if not f.startswith("\\")))
        view[uid] = (letters, keywords)
    imap.close() if False else imap.unselect() if hasattr(imap, "unselect") else None
    return uidvalidity, view


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_folders(imap):
    typ, data = imap.list('""', "*")
    assert typ == "OK"
    names = set()
    for line in data:
        m = re.match(rb'\(([^)]*)\) (?:"(.)"|NIL) (.*)$', line)
        assert m, line
        raw = m.group(3).decode()
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        names.add(mutf7_decode(raw))
    return names


class MailTemp(tempfile.TemporaryDirectory):
    """A temporary directory Dovecot's mail user (nobody) may traverse."""
    def __enter__(self):
        path = super().__enter__()
        os.chmod(path, 0o755)
        return path


def message(n):
    return (f"From: a@example.test\r\nTo: alice@example.test\r\nSubject: test {n}\r\n"
            f"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\nbody {n}\r\n").encode()


class TegamiWritesDovecotReads(unittest.TestCase):
    def test_same_uids_flags_keywords_and_folder_names(self):
        with MailTemp() as tmp:
            root = os.path.join(tmp, "alice")
            tegami("maildir", "make", root)
            for f in FOLDERS:
                tegami("mailbox", "create", root, f)
            plan = {
                "INBOX": [("S", ["$Junk"]), ("", []), ("FS", ["$NonJunk", "work"]), ("RS", [])],
                "下書き": [("D", []), ("DS", ["$label1"])],
                "Work/2024": [("F", ["projekt"])],
                "Kunden & Partner": [("", [])],
            }
            for folder, msgs in plan.items():
                for i, (flags, kws) in enumerate(msgs):
                    args = ["mailbox", "append", root, folder, "--flags", flags]
                    for k in kws:
                        args += ["--keyword", k]
                    tegami(*args, stdin=message(i))
            # A later flag change through the library, and a deletion by a plain file tool.
            tegami("mailbox", "store", root, "INBOX", "2", "+F", "--keyword", "later")
            expected = {f: tegami_view(root, f) for f in ["INBOX", *FOLDERS]}
            with Dovecot(root) as dc:
                imap = imap_login(dc.imap_port)
                self.assertEqual(imap_folders(imap), {"INBOX", *FOLDERS})
                for folder, (uidvalidity, view) in expected.items():
                    got_validity, got_view = imap_view(imap, folder)
                    self.assertEqual(got_validity, uidvalidity, folder)
                    self.assertEqual(got_view, view, folder)
                imap.logout()
            self.assertEqual(expected["INBOX"][1][2], ("F", ("later",)))


class DovecotWritesTegamiReads(unittest.TestCase):
    def test_same_uids_flags_keywords_and_folder_names(self):
        with MailTemp() as tmp:
            root = os.path.join(tmp, "alice")
            os.makedirs(root)
            with Dovecot(root) as dc:
                imap = imap_login(dc.imap_port)
                for f in FOLDERS:
                    self.assertEqual(imap.create(quote(mutf7_encode(f)))[0], "OK")
                appends = [("INBOX", "(\\Seen $Junk)"), ("INBOX", "()"),
                           ("INBOX", "(\\Flagged \\Answered $NonJunk custom1)"),
                           ("INBOX", "(\\Deleted)"), ("下書き", "(\\Draft)"),
                           ("Work/2024", "(\\Seen projekt)")]
                for i, (folder, flags) in enumerate(appends):
                    typ, _ = imap.append(quote(mutf7_encode(folder)), flags, None, message(i))
                    self.assertEqual(typ, "OK")
                imap.select("INBOX")
                imap.uid("STORE", "2", "+FLAGS", "(\\Seen custom2)")
                imap.uid("STORE", "1", "-FLAGS", "($Junk)")
                imap.expunge()  # removes UID 4 (\Deleted)
                imap.close()
                folders = imap_folders(imap)
                expected = {f: imap_view(imap, f) for f in ["INBOX", *FOLDERS]}
                imap.logout()
            listed = json.loads(tegami("mailbox", "list", root, "--json"))
            self.assertEqual({f["name"] for f in listed}, folders)
            for folder, (uidvalidity, view) in expected.items():
                got_validity, got_view = tegami_view(root, folder)
                self.assertEqual(got_validity, uidvalidity, folder)
                self.assertEqual(got_view, view, folder)
            self.assertNotIn(4, expected["INBOX"][1])
            self.assertEqual(expected["INBOX"][1][2], ("S", ("custom2",)))


class TakingTurns(unittest.TestCase):
    def test_uids_consistent_and_never_reused(self):
        with MailTemp() as tmp:
            root = os.path.join(tmp, "alice")
            tegami("maildir", "make", root)
            for i in range(3):
                tegami("mailbox", "append", root, "INBOX", stdin=message(i))
            with Dovecot(root) as dc:
                imap = imap_login(dc.imap_port)
                imap.select("INBOX")
                imap.append("INBOX", "(\\Seen)", None, message(10))
                imap.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
                imap.expunge()
                imap.logout()
            uid = int(tegami("mailbox", "append", root, "INBOX", stdin=message(20)))
            validity, view = tegami_view(root, "INBOX")
            self.assertEqual(sorted(view), [2, 3, 4, 5])
            self.assertEqual(uid, 5)
            with Dovecot(root) as dc:
                imap = imap_login(dc.imap_port)
                got_validity, got_view = imap_view(imap, "INBOX")
                imap.logout()
            self.assertEqual(got_validity, validity)
            self.assertEqual(got_view, view)


if __name__ == "__main__":
    unittest.main(verbosity=2)
