"""Real IMAP clients against tegamid (issue 6, Tests): curl over imap:// (STARTTLS) and
imaps:// lists folders, fetches messages byte for byte (by UID and by sequence number, a
section, a Japanese folder), searches and appends; mbsync (isync) syncs a whole account both
ways between a local Maildir and tegami over IMAPS (new mail in each direction, flag changes,
deletions, a Japanese folder, a folder created locally) and pulls the INBOX over STARTTLS;
offlineimap does a full sync and then an incremental one; npm's imapflow (pinned in tests/integration/imapflow/package-lock.json,
installed with `npm ci` into <build>/npm/imapflow by this test) logs in, lists, selects,
fetches envelope/bodyStructure/source, searches, appends, stores flags and moves, and hears
in IDLE of a message another connection appends.

Each client works on its own account, so the tests are independent. What the clients report
is checked against the messages the test put on the server and against the server's state
seen through Python's imaplib."""
import base64
import email
import email.policy
import hashlib
import imaplib
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from email.header import Header
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from accounts import PASSWORD, domain_yaml, plan_yaml  # noqa: E402
from imapflow_install import imapflow_dir  # noqa: E402
from tegamid import BUILD, Tegamid, cert_der  # noqa: E402

USERS = ("alice", "bob", "carol", "dave", "erin")
PLAN_EXTRA = plan_yaml(mailbox_quota=500)
LISTENERS = [
    ("imap", "imap", "starttls", {"allow_plaintext_auth": "true"}),
    ("imap-strict", "imap", "starttls"),
    ("imaps", "imap", "implicit"),
]
JA_FOLDER = "プロジェクト"


def mutf7(name):
    """RFC 3501 5.1.3 modified UTF-7."""
    out, run = [], []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def corpus():
    """[(name, message bytes with CRLF line ends)] — what a real mailbox holds."""
    out = []
    m = EmailMessage()
    m["From"] = "Alice Example <alice@example.com>"
    m["To"] = "bob@example.org"
    m["Cc"] = "carol@example.net"
    m["Subject"] = "Quarterly kiwi report"
    m["Date"] = "Mon, 02 Jan 2023 10:00:00 +0000"
    m["Message-ID"] = "<kiwi@example.com>"
    m.set_content("The quarterly numbers look good.\nkiwi season is here.\n")
    out.append(("plain", m.as_bytes(policy=email.policy.SMTP)))

    out.append(("iso2022jp", (
        b"From: " + Header("山田太郎", "iso-2022-jp").encode().encode() +
        b" <yamada@example.jp>\nTo: alice@example.com\nSubject: " +
        Header("会議の件", "iso-2022-jp").encode().encode() +
        b"\nDate: Tue, 03 Jan 2023 09:00:00 +0900\nMessage-ID: <jis@example.jp>\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
        b"Content-Transfer-Encoding: 7bit\n\n" + "明日の会議は３階です。\n".encode("iso-2022-jp"))))

    m = EmailMessage()
    m["From"] = "Reports <reports@example.org>"
    m["To"] = "alice@example.com"
    m["Subject"] = "monthly report attached"
    m["Date"] = "Wed, 04 Jan 2023 12:00:00 +0000"
    m["Message-ID"] = "<report@example.org>"
    m.set_content("See the attached PDF.\n")
    m.add_attachment(b"%PDF-1.4\n" + bytes(range(256)) * 40, maintype="application",
                     subtype="pdf", filename="報告書.pdf")
    out.append(("attachment", m.as_bytes(policy=email.policy.SMTP)))

    out.append(("shift_jis", (
        b"From: sales@example.jp\nTo: alice@example.com\nSubject: " +
        Header("見積書", "shift_jis").encode().encode() +
        b"\nDate: Thu, 05 Jan 2023 15:30:00 +0900\nMessage-ID: <sjis@example.jp>\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=Shift_JIS\n"
        b"Content-Transfer-Encoding: 8bit\n\n" +
        "お世話になっております。見積書を送ります。\n".encode("shift_jis"))))

    m = EmailMessage()
    m["From"] = "News <news@example.com>"
    m["To"] = "alice@example.com"
    m["Subject"] = "newsletter"
    m["Date"] = "Fri, 06 Jan 2023 08:00:00 +0000"
    m["Message-ID"] = "<news@example.com>"
    m.set_content("plain version\n")
    m.add_alternative("<p>html version</p>\n", subtype="html")
    out.append(("alternative", m.as_bytes(policy=email.policy.SMTP)))
    return [(n, crlf(d)) for n, d in out]


def new_message(subject, body="body\n", sender="someone@example.org"):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "alice@example.com"
    m["Subject"] = subject
    m["Date"] = "Sat, 07 Jan 2023 10:00:00 +0000"
    m["Message-ID"] = "<%s@example.org>" % hashlib.sha1(subject.encode()).hexdigest()[:12]
    m.set_content(body)
    return crlf(m.as_bytes(policy=email.policy.SMTP))


def run(args, timeout=90, **kw):
    r = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    return r


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # hostname localhost: the certificate's name, which mbsync checks against Host.
        cls.d = Tegamid(LISTENERS, domains={"example.com.yaml": domain_yaml(USERS, quota=100)},
                        main_extra=PLAN_EXTRA, hostname="localhost")
        cls.d.start()
        cls.msgs = corpus()
        cls.work = os.path.join(cls.d.dir, "clients")
        os.makedirs(cls.work)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    # --- the server side, through imaplib ---------------------------------------------------
    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.d.port("imap"), timeout=20)
        self.assertEqual(m.login(f"{user}@example.com", PASSWORD)[0], "OK")
        return m

    def seed(self, user, folder="INBOX", msgs=None, flags=None):
        """APPENDs the corpus; returns the UIDs (from APPENDUID)."""
        m = self.imap(user)
        uids = []
        for i, (_, data) in enumerate(msgs or self.msgs):
            f = (flags or {}).get(i, "")
            typ, resp = m.append('"%s"' % mutf7(folder), f"({f})" if f else None,
                                 imaplib.Time2Internaldate(1700000000 + i * 3600), data)
            self.assertEqual(typ, "OK", resp)
            uids.append(int(re.search(rb"APPENDUID \d+ (\d+)", resp[0]).group(1)))
        m.logout()
        return uids

    def server_messages(self, user, folder="INBOX"):
        """{uid: (flags set, body bytes)} of a folder."""
        m = self.imap(user)
        typ, data = m.select('"%s"' % mutf7(folder), readonly=True)
        self.assertEqual(typ, "OK", (folder, data))
        out = {}
        if int(data[0]) > 0:
            typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            self.assertEqual(typ, "OK")
            for item in data:
                if isinstance(item, tuple):
                    uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                    flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode()
                                .split())
                    flags.discard("\\Recent")
                    out[uid] = (flags, item[1])
        m.logout()
        return out

    def server_folders(self, user):
        m = self.imap(user)
        typ, data = m.list()
        m.logout()
        names = []
        for line in data:
            name = line.rsplit(b' "/" ', 1)[1].strip(b'"').decode()
            names.append(name)
        return names

    # --- curl ---------------------------------------------------------------------------------
    def curl(self, url, *extra, user="alice"):
        r = run(["curl", "-sS", "--max-time", "30", "--user", f"{user}@example.com:{PASSWORD}",
                 *extra, url])
        self.assertEqual(r.returncode, 0, (url, extra, r.stderr))
        return r.stdout

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_curl(self):
        uids = self.seed("alice")
        m = self.imap("alice")
        self.assertEqual(m.create('"%s"' % mutf7(JA_FOLDER))[0], "OK")
        m.select("INBOX")
        # Expunge the first message so sequence numbers and UIDs differ.
        m.uid("STORE", str(uids[0]), "+FLAGS.SILENT", "(\\Deleted)")
        m.expunge()
        m.logout()
        self.seed("alice", JA_FOLDER, msgs=[self.msgs[3]])
        plain = f"imap://127.0.0.1:{self.d.port('imap-strict')}"
        tls = f"imaps://127.0.0.1:{self.d.port('imaps')}"

        # LIST over STARTTLS (the strict listener refuses LOGIN without TLS).
        listing = self.curl(plain + "/", "--ssl-reqd", "-k").decode()
        names = [re.search(r' "/" "?([^"\r]*)"?\r?$', line).group(1)
                 for line in listing.splitlines() if line.startswith("* LIST")]
        for want in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", mutf7(JA_FOLDER)):
            self.assertIn(want, names, listing)
        self.assertRegex(listing, r"\\Sent[^\r\n]* \"/\" \"?Sent")
        # Without TLS curl's LOGIN is refused (LOGINDISABLED).
        r = run(["curl", "-sS", "--max-time", "30", "--user", f"alice@example.com:{PASSWORD}",
                 plain + "/"])
        self.assertNotEqual(r.returncode, 0)

        # Fetch by UID and by sequence number, byte for byte, over IMAPS and STARTTLS.
        for i in range(1, len(self.msgs)):
            got = self.curl(f"{tls}/INBOX/;UID={uids[i]}", "-k")
            self.assertEqual(got, self.msgs[i][1], self.msgs[i][0])
        got = self.curl(f"{plain}/INBOX/;MAILINDEX=2", "--ssl-reqd", "-k")
        self.assertEqual(got, self.msgs[2][1])  # seq 2 is the third appended (first expunged)
        # A section: the attachment part (base64 as stored) and the header.
        att = self.curl(f"{tls}/INBOX/;UID={uids[2]}/;SECTION=2", "-k")
        part = email.message_from_bytes(self.msgs[2][1], policy=email.policy.default)
        want = [p for p in part.iter_attachments()][0]
        self.assertEqual(base64.b64decode(att), want.get_content())
        head = self.curl(f"{tls}/INBOX/;UID={uids[1]}/;SECTION=HEADER", "-k")
        self.assertEqual(head, self.msgs[1][1].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")

        # SEARCH: curl prints the untagged answer.
        out = self.curl(f"{tls}/INBOX?SUBJECT%20kiwi", "-k")  # expunged: no hit
        self.assertEqual(out.strip(), b"* SEARCH")
        out = self.curl(f"{tls}/INBOX?FROM%20reports%40example.org", "-k")
        self.assertEqual(out.strip(), b"* SEARCH 2")
        out = self.curl(f"{tls}/INBOX", "-k", "-X", 'UID SEARCH CHARSET UTF-8 SUBJECT "会議"')
        self.assertEqual(out.strip(), b"* SEARCH %d" % uids[1])
        out = self.curl(f"{tls}/INBOX", "-k", "-X", 'UID SEARCH CHARSET UTF-8 BODY "見積書"')
        self.assertEqual(out.strip(), b"* SEARCH %d" % uids[3])

        # The Japanese folder by its modified UTF-7 name (URL-escaped '&').
        folder = mutf7(JA_FOLDER).replace("&", "%26")
        got = self.curl(f"{tls}/{folder}/;UID=1", "-k")
        self.assertEqual(got, self.msgs[3][1])
        out = self.curl(f"{tls}/", "-k", "-X", f'STATUS "{mutf7(JA_FOLDER)}" (MESSAGES)')
        self.assertIn(b"(MESSAGES 1)", out)

        # Upload (APPEND), then fetch it back unchanged.
        path = os.path.join(self.work, "upload.eml")
        upload = new_message("uploaded with curl", "curl -T body\n")
        with open(path, "wb") as f:
            f.write(upload)
        self.curl(f"{tls}/INBOX", "-k", "-T", path)
        stored = self.server_messages("alice")
        self.assertIn(upload, [b for _, b in stored.values()])
        self.assertEqual(len(stored), len(self.msgs))  # 5 - 1 expunged + 1 uploaded

    # --- mbsync -----------------------------------------------------------------------------
    @unittest.skipUnless(shutil.which("mbsync"), "mbsync (isync) not installed")
    def test_mbsync_two_way(self):
        user = "bob"
        uids = self.seed(user, flags={0: "\\Seen", 2: "\\Flagged"})
        m = self.imap(user)
        self.assertEqual(m.create('"%s"' % mutf7(JA_FOLDER))[0], "OK")
        m.logout()
        self.seed(user, JA_FOLDER, msgs=[self.msgs[1]])
        local = os.path.join(self.work, "mbsync-mail")
        os.makedirs(local)
        os.makedirs(local + "-pulled")
        rc = os.path.join(self.work, "mbsyncrc")
        with open(rc, "w") as f:
            f.write(f"""IMAPAccount tegami
Host localhost
Port {self.d.port('imaps')}
User {user}@example.com
Pass "{PASSWORD}"
SSLType IMAPS
CertificateFile {self.d.cert}
Timeout 30

IMAPStore remote
Account tegami

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *

IMAPAccount starttls
Host localhost
Port {self.d.port('imap-strict')}
User {user}@example.com
Pass "{PASSWORD}"
SSLType STARTTLS
CertificateFile {self.d.cert}
Timeout 30

IMAPStore remote-starttls
Account starttls

MaildirStore pulled
Path {local}-pulled/
Inbox {local}-pulled/INBOX

Channel pull
Far :remote-starttls:INBOX
Near :pulled:INBOX
Create Near
Sync Pull
SyncState *
""")
        env = dict(os.environ, HOME=self.work)

        def sync(channel="all"):
            r = run(["mbsync", "-c", rc, channel], env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def local_box(name):
            """{file name: bytes} in a local folder's new/ and cur/."""
            out = {}
            for sub in ("new", "cur"):
                d = os.path.join(local, name, sub)
                for fn in os.listdir(d):
                    with open(os.path.join(d, fn), "rb") as fh:
                        out[os.path.join(sub, fn)] = fh.read()
            return out

        def no_tuid(data):
            # mbsync adds its tracking header X-TUID to the messages it copies (both ways).
            return re.sub(rb"(?m)^X-TUID: [^\n]*\n", b"", data)

        def local_box(name, _raw=local_box):
            return {k: no_tuid(v) for k, v in _raw(name).items()}

        def server(folder="INBOX"):
            return {uid: (fl, no_tuid(b))
                    for uid, (fl, b) in self.server_messages(user, folder).items()}

        def info(fn):
            return fn.rsplit(":2,", 1)[1] if ":2," in fn else ""

        sync()
        # Every folder arrived, every message whole, flags mapped to Maildir letters.
        ja = mutf7(JA_FOLDER)
        for name in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", ja):
            self.assertTrue(os.path.isdir(os.path.join(local, name, "cur")), name)
        inbox = local_box("INBOX")
        self.assertEqual(sorted(crlf(b) for b in inbox.values()),
                         sorted(d for _, d in self.msgs))
        by_body = {crlf(b): fn for fn, b in inbox.items()}
        self.assertIn("S", info(by_body[self.msgs[0][1]]))
        self.assertIn("F", info(by_body[self.msgs[2][1]]))
        self.assertNotIn("S", info(by_body[self.msgs[1][1]]))
        self.assertEqual([crlf(b) for b in local_box(ja).values()], [self.msgs[1][1]])

        # Local changes: new mail in INBOX and in the Japanese folder, a new folder, \Seen on
        # message 2, message 4 deleted.
        def put_local(folder, data, name):
            d = os.path.join(local, folder)
            for sub in ("tmp", "new", "cur"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
            with open(os.path.join(d, "new", name), "wb") as fh:
                fh.write(data.replace(b"\r\n", b"\n"))

        from_local = new_message("written offline", "drafted on the train\n")
        put_local("INBOX", from_local, "1700000001.local1.host")
        to_ja = new_message("ローカルから", "日本語のフォルダへ\n")
        put_local(ja, to_ja, "1700000002.local2.host")
        in_new_folder = new_message("in a new local folder")
        put_local("Receipts", in_new_folder, "1700000003.local3.host")
        seen_fn = by_body[self.msgs[1][1]]
        base = seen_fn.rsplit(":2,", 1)[0] if ":2," in seen_fn else seen_fn
        os.rename(os.path.join(local, "INBOX", seen_fn),
                  os.path.join(local, "INBOX", "cur", os.path.basename(base) + ":2,S"))
        os.unlink(os.path.join(local, "INBOX", by_body[self.msgs[3][1]]))
        # Server changes: new mail, \Answered on message 5, message 3 expunged.
        from_server = new_message("arrived on the server", "delivered while offline\n")
        srv = self.imap(user)
        srv.append("INBOX", None, None, from_server)
        srv.select("INBOX")
        srv.uid("STORE", str(uids[4]), "+FLAGS", "(\\Answered)")
        srv.uid("STORE", str(uids[2]), "+FLAGS", "(\\Deleted)")
        srv.expunge()
        srv.logout()

        sync()
        bodies = {b: fl for fl, b in server().values()}
        want = [self.msgs[0][1], self.msgs[1][1], self.msgs[4][1], from_local, from_server]
        self.assertEqual(sorted(bodies), sorted(want))
        self.assertIn("\\Seen", bodies[self.msgs[1][1]])
        self.assertIn("\\Answered", bodies[self.msgs[4][1]])
        ja_server = sorted(b for _, b in server(JA_FOLDER).values())
        self.assertEqual(ja_server, sorted([self.msgs[1][1], to_ja]))
        self.assertIn("Receipts", self.server_folders(user))
        self.assertEqual([b for _, b in server("Receipts").values()],
                         [in_new_folder])
        inbox = local_box("INBOX")
        self.assertEqual(sorted(crlf(b) for b in inbox.values()), sorted(want))
        by_body = {crlf(b): fn for fn, b in inbox.items()}
        self.assertIn("R", info(by_body[self.msgs[4][1]]))

        # A third run changes nothing on either side.
        before = sorted(inbox)
        sync()
        self.assertEqual(sorted(local_box("INBOX")), before)
        self.assertEqual(len(server()), len(want))
        # The same INBOX pulled over STARTTLS (the listener that refuses LOGIN in plaintext).
        sync("pull")
        pulled = []
        for sub in ("new", "cur"):
            d = os.path.join(local + "-pulled", "INBOX", sub)
            for fn in os.listdir(d):
                with open(os.path.join(d, fn), "rb") as fh:
                    pulled.append(crlf(no_tuid(fh.read())))
        self.assertEqual(sorted(pulled), sorted(want))

    # --- offlineimap --------------------------------------------------------------------------
    @unittest.skipUnless(shutil.which("offlineimap"), "offlineimap not installed")
    def test_offlineimap_full_then_incremental(self):
        user = "carol"
        self.seed(user, flags={0: "\\Seen \\Flagged"})
        m = self.imap(user)
        self.assertEqual(m.create('"%s"' % mutf7(JA_FOLDER))[0], "OK")
        m.logout()
        self.seed(user, JA_FOLDER, msgs=[self.msgs[3]])
        local = os.path.join(self.work, "offlineimap-mail")
        meta = os.path.join(self.work, "offlineimap-meta")
        fingerprint = hashlib.sha256(cert_der(self.d.cert)).hexdigest()
        rc = os.path.join(self.work, "offlineimaprc")
        with open(rc, "w") as f:
            f.write(f"""[general]
accounts = tegami
metadata = {meta}
ui = basic

[Account tegami]
localrepository = local
remoterepository = remote
utf8foldernames = yes

[Repository local]
type = Maildir
localfolders = {local}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {self.d.port('imaps')}
remoteuser = {user}@example.com
remotepass = {PASSWORD}
ssl = yes
cert_fingerprint = {fingerprint}
""")
        env = dict(os.environ, HOME=self.work)

        def sync():
            r = run(["offlineimap", "-c", rc, "-o", "-u", "basic"], env=env, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn(b"ERROR", r.stdout + r.stderr, r.stdout + r.stderr)

        def local_box(name):
            out = {}
            for sub in ("new", "cur"):
                d = os.path.join(local, name, sub)
                for fn in os.listdir(d):
                    p = os.path.join(d, fn)
                    with open(p, "rb") as fh:
                        out[os.path.join(sub, fn)] = (fh.read(), os.stat(p).st_ino)
            return out

        sync()
        for name in ("INBOX", "Sent", "Trash", JA_FOLDER):
            self.assertTrue(os.path.isdir(os.path.join(local, name, "cur")), name)
        inbox = local_box("INBOX")
        self.assertEqual(sorted(crlf(b) for b, _ in inbox.values()),
                         sorted(d for _, d in self.msgs))
        flagged = [fn for fn, (b, _) in inbox.items() if crlf(b) == self.msgs[0][1]][0]
        self.assertTrue(set("FS") <= set(flagged.rsplit(":2,", 1)[1]), flagged)
        self.assertEqual([crlf(b) for b, _ in local_box(JA_FOLDER).values()], [self.msgs[3][1]])

        # Incremental: one new message each side, a flag each side; nothing else moves.
        srv = self.imap(user)
        from_server = new_message("second round", "new on the server\n")
        srv.append("INBOX", None, None, from_server)
        srv.select("INBOX")
        typ, data = srv.search(None, "HEADER", "Message-ID", "<news@example.com>")
        srv.store(data[0].decode(), "+FLAGS", "(\\Flagged)")
        srv.logout()
        from_local = new_message("composed locally", "to be uploaded\n")
        with open(os.path.join(local, "INBOX", "new", "1700000009.x.host"), "wb") as fh:
            fh.write(from_local.replace(b"\r\n", b"\n"))
        sjis = [fn for fn, (b, _) in inbox.items() if crlf(b) == self.msgs[3][1]][0]
        os.rename(os.path.join(local, "INBOX", sjis),
                  os.path.join(local, "INBOX", "cur", os.path.basename(sjis).split(":2,")[0] +
                               ":2,S"))
        inodes_before = {b: ino for b, ino in (v for k, v in inbox.items() if k != sjis)}

        sync()
        server = {b: fl for fl, b in self.server_messages(user).values()}
        self.assertEqual(sorted(server),
                         sorted([d for _, d in self.msgs] + [from_server, from_local]))
        self.assertIn("\\Seen", server[self.msgs[3][1]])
        inbox = local_box("INBOX")
        self.assertEqual(sorted(crlf(b) for b, _ in inbox.values()), sorted(server))
        news = [fn for fn, (b, _) in inbox.items() if crlf(b) == self.msgs[4][1]][0]
        self.assertIn("F", news.rsplit(":2,", 1)[1])
        # The messages synced in the first round were not downloaded again.
        still = {b: ino for b, ino in inbox.values()}
        for body, ino in inodes_before.items():
            self.assertEqual(still[body], ino)

    # --- imapflow (npm) -------------------------------------------------------------------------
    @unittest.skipUnless(shutil.which("node") and shutil.which("npm"), "nodejs not installed")
    def test_imapflow(self):
        user = "dave"
        uids = self.seed(user, flags={0: "\\Seen"})
        mod = imapflow_dir()
        to_append = new_message("appended by imapflow", "via imapflow\n")
        path = os.path.join(self.work, "imapflow-append.eml")
        with open(path, "wb") as f:
            f.write(to_append)
        r = run(["node", os.path.join(HERE, "imapflow", "client.js"), str(self.d.port("imaps")),
                 f"{user}@example.com", PASSWORD, path],
                env=dict(os.environ, NODE_PATH=os.path.join(mod, "node_modules")), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertNotIn("error", out)
        self.assertEqual(out["steps"], ["connect", "list", "select", "fetch", "search", "append",
                                        "store", "move", "idle", "logout"])
        self.assertIn("MOVE", out["capabilities"])
        self.assertIn("UIDPLUS", out["capabilities"])
        # LIST: special-use folders and the Japanese folder decoded from modified UTF-7.
        self.assertEqual(out["created"], JA_FOLDER)
        special = {m["path"]: m["specialUse"] for m in out["list"]}
        self.assertEqual(special.get("Sent"), "\\Sent")
        self.assertEqual(special.get("Trash"), "\\Trash")
        self.assertEqual(special.get("INBOX"), "\\Inbox")
        self.assertIn(JA_FOLDER, special)
        self.assertTrue(all(m["delimiter"] == "/" for m in out["list"]))
        self.assertEqual(out["select"]["exists"], len(self.msgs))
        # FETCH: sources byte for byte, envelopes decoded, structures as the MIME says.
        msgs = out["messages"]
        self.assertEqual([m["uid"] for m in msgs], uids)
        for m, (name, data) in zip(msgs, self.msgs):
            with self.subTest(message=name):
                self.assertEqual(base64.b64decode(m["source"]), data)
                self.assertEqual(m["size"], len(data))
                parsed = email.message_from_bytes(data, policy=email.policy.default)
                self.assertEqual(m["subject"], str(parsed["Subject"]))
                self.assertEqual(m["from"], [a.addr_spec for a in parsed["From"].addresses])
                self.assertEqual(m["messageId"], parsed["Message-ID"])
        self.assertEqual(msgs[0]["flags"], ["\\Seen"])
        self.assertEqual(msgs[1]["subject"], "会議の件")
        self.assertEqual(msgs[1]["fromName"], ["山田太郎"])
        self.assertEqual(msgs[1]["structure"]["charset"], "iso-2022-jp")
        self.assertEqual(msgs[3]["subject"], "見積書")
        self.assertEqual(msgs[0]["date"], "2023-01-02T10:00:00.000Z")
        att = msgs[2]["structure"]
        self.assertEqual(att["type"], "multipart/mixed")
        self.assertEqual([c["type"] for c in att["children"]], ["text/plain", "application/pdf"])
        self.assertEqual(att["children"][1]["filename"], "報告書.pdf")
        self.assertEqual(att["children"][1]["encoding"], "base64")
        alt = msgs[4]["structure"]
        self.assertEqual(alt["type"], "multipart/alternative")
        self.assertEqual([c["type"] for c in alt["children"]], ["text/plain", "text/html"])
        # The attachment part, downloaded and decoded by imapflow.
        want = [p for p in email.message_from_bytes(
            self.msgs[2][1], policy=email.policy.default).iter_attachments()][0].get_content()
        self.assertEqual(out["download"]["contentType"], "application/pdf")
        self.assertEqual(base64.b64decode(out["download"]["base64"]), want)
        # SEARCH
        self.assertEqual(out["searchSubject"], [uids[0]])
        self.assertEqual(out["searchJapanese"], [uids[1]])
        self.assertEqual(out["searchFrom"], [uids[2]])
        self.assertEqual(out["searchCc"], [uids[0]])
        self.assertEqual(out["searchUnseen"], uids[1:])
        # APPEND / STORE / MOVE as the server sees them.
        self.assertEqual(out["append"]["path"], "INBOX")
        self.assertEqual(out["append"]["uidValidity"], out["select"]["uidValidity"])
        # \Recent belongs to the session that saw a message first (imapflow's, for the message
        # it appended): not part of the stored state compared here.
        after = {a["uid"]: [f for f in a["flags"] if f != "\\Recent"] for a in out["flagsAfter"]}
        self.assertEqual(after[uids[0]], ["\\Answered", "\\Flagged", "\\Seen"])
        self.assertEqual(after[out["append"]["uid"]], ["\\Seen"])
        self.assertEqual(out["move"]["destination"], JA_FOLDER)
        self.assertEqual(len(out["move"]["uidMap"]), 1)
        self.assertEqual(out["move"]["uidMap"][0][0], uids[1])
        self.assertEqual(out["statusAfterMove"]["messages"], 1)
        self.assertEqual(out["inboxAfterMove"], len(self.msgs))  # +1 appended, -1 moved
        # IDLE: the message another connection appended was announced (EXISTS).
        self.assertEqual(out["idle"], {"path": "INBOX", "count": len(self.msgs) + 1,
                                       "prevCount": len(self.msgs)})
        server = self.server_messages(user)
        self.assertNotIn(uids[1], server)
        self.assertEqual(server[out["append"]["uid"]], ({"\\Seen"}, to_append))
        self.assertEqual(server[uids[0]][0], {"\\Seen", "\\Flagged", "\\Answered"})
        moved = self.server_messages(user, JA_FOLDER)
        self.assertEqual(list(moved), [out["move"]["uidMap"][0][1]])
        self.assertEqual(list(moved.values())[0][1], self.msgs[1][1])


if __name__ == "__main__":
    unittest.main(verbosity=2)
