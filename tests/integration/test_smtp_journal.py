"""The delivery journal (config server.delivery_sync: journal, the default): kill -9 right after
many pipelined 250s, then the files the page cache had not written yet are damaged by hand
(truncated, zeroed, removed, a torn one a client had moved to cur/ with flags); after the
restart every acknowledged message is in the Maildir byte-exact, exactly once, and the journal
is gone after the checkpoint. Also: SIGTERM checkpoints (no segment left), and fsync mode
(server.delivery_sync: fsync) delivers without journal records."""
import glob
import os
import signal
import socket
import struct
import sys
import threading
import time
import unittest
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, write_atomically  # noqa: E402

DOMAIN = """domain: example.com
plan: standard
max_accounts: 10
accounts:
  - user: bob
    password: "{PLAIN}secret"
    quota: 1000
  - user: carol
    password: "{PLAIN}secret"
    quota: 1000
"""

SESSIONS = 4
PER_SESSION = 40


def message(seq):
    body = "".join(f"line {seq} {i} " + "x" * (seq % 50) + "\r\n" for i in range(60))
    return (f"Subject: journal {seq}\r\nX-Seq: {seq}\r\nMessage-ID: <{seq}@client.test>\r\n"
            f"\r\n{body}").encode()


def read_reply(f):
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return line


def pipelined_session(port, seqs, rcpts, acked, lock):
    """Sends the messages `seqs` on one connection, pipelined (body, end mark and the next
    envelope in one write); appends each seq answered 250 to `acked`."""
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = c.makefile("rb")
    read_reply(f)
    c.sendall(b"EHLO client.test\r\n")
    read_reply(f)
    env = b"MAIL FROM:<a@remote.test>\r\n" + b"".join(
        b"RCPT TO:<%s>\r\n" % r.encode() for r in rcpts) + b"DATA\r\n"
    c.sendall(env)
    for k, seq in enumerate(seqs):
        for _ in range(len(rcpts) + 2):
            line = read_reply(f)
            assert line[:1] in (b"2", b"3"), line
        out = message(seq) + b".\r\n"
        if k + 1 < len(seqs):
            out += env
        c.sendall(out)
        line = read_reply(f)
        if line.startswith(b"250"):
            with lock:
                acked.append(seq)
    return c


def journal_records(journal_dir):
    """(segment path, [(targets, bytes)]) for every complete record in every segment."""
    out = []
    for path in sorted(glob.glob(os.path.join(journal_dir, "*"))):
        with open(path, "rb") as fh:
            data = fh.read()
        recs = []
        if data[:4] == b"TGJS":
            seg_id = data[4:12]
            at = 12
            while data[at:at + 4] == b"TGJR" and at + 20 <= len(data):
                n, crc = struct.unpack_from("<II", data, at + 4)
                if data[at + 12:at + 20] != seg_id or at + 20 + n > len(data):
                    break
                payload = data[at + 20:at + 20 + n]
                if zlib.crc32(seg_id + payload) != crc:
                    break
                k = struct.unpack_from("<I", payload, 0)[0]
                p = 4
                targets = []
                for _ in range(k):
                    ln = struct.unpack_from("<I", payload, p)[0]
                    folder = payload[p + 4:p + 4 + ln].decode()
                    p += 4 + ln
                    ln = struct.unpack_from("<I", payload, p)[0]
                    name = payload[p + 4:p + 4 + ln].decode()
                    p += 4 + ln
                    targets.append((folder, name))
                recs.append((targets, payload[p:]))
                at += 20 + n
        out.append((path, recs))
    return out


class JournalTest(unittest.TestCase):
    def start(self, sync=None):
        self.d = Tegamid([("smtp", "smtp", "none")], domains={"example.com.yaml": DOMAIN})
        if sync:
            text = self.d.main_text().replace("  worker_loops: 2\n",
                                              f"  worker_loops: 2\n  delivery_sync: {sync}\n")
            write_atomically(self.d.config, text)
        self.d.start()
        self.mail = os.path.join(self.d.dir, "var", "mail", "example.com")
        self.journal = os.path.join(self.d.dir, "var", "queue", "journal")

    def tearDown(self):
        self.d.__exit__(None, None, None)

    def send_all(self, rcpts=("bob@example.com",)):
        acked, lock, conns = [], threading.Lock(), []
        errors = []

        def run(k):
            seqs = list(range(k * PER_SESSION, (k + 1) * PER_SESSION))
            try:
                conns.append(pipelined_session(self.d.port("smtp"), seqs, list(rcpts), acked,
                                               lock))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=run, args=(k,)) for k in range(SESSIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        return acked, conns

    def files_of(self, user):
        box = os.path.join(self.mail, user)
        return glob.glob(os.path.join(box, "new", "*")) + glob.glob(os.path.join(box, "cur", "*"))

    def assert_each_once(self, user, acked):
        seen = {}
        for path in self.files_of(user):
            with open(path, "rb") as fh:
                data = fh.read()
            seq = int(data.split(b"X-Seq: ", 1)[1].split(b"\n", 1)[0])
            self.assertNotIn(seq, seen, f"message {seq} twice in {user}'s Maildir")
            seen[seq] = data
            self.assertTrue(data.endswith(message(seq).replace(b"\r\n", b"\n")),
                            f"{path} is not byte-exact")
        self.assertEqual(sorted(seen), sorted(acked))

    def test_kill9_after_pipelined_250s_and_lost_page_cache(self):
        self.start()
        acked, conns = self.send_all(rcpts=("bob@example.com", "carol@example.com"))
        self.d.proc.send_signal(signal.SIGKILL)  # right after the last 250, before QUIT
        self.d.proc.wait(timeout=10)
        for c in conns:
            c.close()
        self.assertEqual(len(acked), SESSIONS * PER_SESSION)
        segments = journal_records(self.journal)
        promised = [(t, data) for _, recs in segments for targets, data in recs for t in targets]
        self.assertTrue(promised, "the last 250s were not in a journal segment")
        # Lose what the page cache may not have written: damage files the journal names.
        damaged = moved = 0
        for k, ((folder, name), data) in enumerate(promised):
            path = os.path.join(folder, "new", name)
            if not os.path.exists(path):
                continue
            if k % 4 == 0:
                os.truncate(path, 0)
            elif k % 4 == 1:
                with open(path, "r+b") as fh:
                    fh.write(b"\0" * len(data))
            elif k % 4 == 2:
                os.unlink(path)
            else:  # a client had moved it to cur/ with flags; its bytes are torn
                cur = os.path.join(folder, "cur", name + ":2,FS")
                os.rename(path, cur)
                os.truncate(cur, len(data) // 2)
                moved += 1
            damaged += 1
        self.assertGreater(damaged, 0)
        self.d.start(wait=False)
        log = self.d.wait_log("started", timeout=20, count=2)
        self.assertIn("journal: replayed", log)
        self.assert_each_once("bob", acked)
        self.assert_each_once("carol", acked)
        # Flags of the message moved to cur/ are kept.
        moved_files = [p for p in self.files_of("bob") + self.files_of("carol") if p.endswith(":2,FS")]
        self.assertEqual(len(moved_files), moved)
        # The replayed segments are gone; the new one holds no record.
        self.assertEqual([recs for _, recs in journal_records(self.journal) if recs], [])
        self.d.stop()
        self.assertEqual(os.listdir(self.journal), [])

    def test_sigterm_checkpoints_and_removes_the_journal(self):
        self.start()
        acked, conns = self.send_all()
        for c in conns:
            c.close()
        self.assertEqual(len(acked), SESSIONS * PER_SESSION)
        self.assert_each_once("bob", acked)
        self.d.stop()
        self.assertEqual(os.listdir(self.journal), [])

    def test_fsync_mode_writes_no_journal_records(self):
        self.start(sync="fsync")
        acked, conns = self.send_all()
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait(timeout=10)
        for c in conns:
            c.close()
        self.assertEqual(len(acked), SESSIONS * PER_SESSION)
        self.assertEqual([recs for _, recs in journal_records(self.journal) if recs], [])
        self.assert_each_once("bob", acked)
        self.d.start(wait=False)
        self.d.wait_log("started", timeout=20, count=2)
        self.assert_each_once("bob", acked)


if __name__ == "__main__":
    unittest.main()
