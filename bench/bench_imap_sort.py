"""IMAP SORT and THREAD benchmark (issue 7): `UID SORT (DATE)`, `UID SORT (SUBJECT)` and
`UID THREAD REFERENCES` over a 10,000-message folder (threads of 1-8 messages linked by
References/In-Reply-To, Re:/Fwd: subjects, dates in several zones), tegamid against Debian's
Dovecot over a copy of the same Maildir, in one run. Each command runs once after SELECT
("first": tegami parses what its structure cache lacks, Dovecot fills its cache) and then 3
more times (best: "repeat"); both servers must give the same answer. Prints
`BENCH imap_<command>_<first|repeat> tegami=<ms> dovecot=<ms> ratio=<tegami/dovecot>`
(target: ratio <= 1). Environment: BENCH_SORT_MSGS to scale down."""
import os
import shutil
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
source = os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, ".."))
sys.path.insert(0, os.path.join(source, "tests", "integration", "lib"))
sys.path.insert(0, here)
from bench_imap_search import Client, PASSWORD  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tegamid import Tegamid  # noqa: E402

MSGS = int(os.environ.get("BENCH_SORT_MSGS", "10000"))
ZONES = ["+0000", "+0900", "-0500", "+0130", "GMT"]
TOPICS = ["budget", "release plan", "offsite", "hiring", "incident", "roadmap", "invoice",
          "security review", "lunch", "customer call"]


def message(i):
    thread, pos = divmod(i, 8)
    size = 1 + (thread * 5) % 8  # messages in this thread
    if pos >= size:
        pos = 0  # a standalone message
        thread = 100000 + i
    topic = f"{TOPICS[thread % len(TOPICS)]} {thread}"
    subject = topic if pos == 0 else ("Re: " if pos % 3 else "Fwd: ") + topic
    refs = " ".join(f"<t{thread}.{k}@bench>" for k in range(pos))
    day, hour = 1 + (i * 7) % 28, (i * 13) % 24
    head = (f"From: \"Sender {i % 97}\" <s{i % 97}@example.com>\nTo: alice@example.com\n"
            f"Subject: {subject}\n"
            f"Date: {day} Mar 2023 {hour:02d}:{i % 60:02d}:00 {ZONES[i % len(ZONES)]}\n"
            f"Message-ID: <t{thread}.{pos}@bench>\n")
    if refs:
        head += f"In-Reply-To: <t{thread}.{pos - 1}@bench>\nReferences: {refs}\n"
    return (head + "\n" + "Some text of the message.\n" * (10 + i % 40)).encode()


def make_maildir(root):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for i in range(MSGS):
        with open(os.path.join(root, "cur", f"{1700000000 + i}.M{i}P1.bench:2,S"), "wb") as f:
            f.write(message(i))


COMMANDS = [("sort_date", b"UID SORT (DATE) UTF-8 ALL"),
            ("sort_subject", b"UID SORT (SUBJECT) UTF-8 ALL"),
            ("thread_references", b"UID THREAD REFERENCES UTF-8 ALL")]


def measure(port, user):
    c = Client(port, user)
    res = {}
    for key, command in COMMANDS:
        def run():
            t0 = time.perf_counter()
            out = c.cmd(command)
            return (time.perf_counter() - t0) * 1000, out
        first, answer = run()
        repeat = min(run()[0] for _ in range(3))
        res[key] = (first, repeat, answer)
    c.cmd(b"LOGOUT")
    return res


def main():
    work = tempfile.mkdtemp(prefix="bench-sort-")
    os.chmod(work, 0o755)
    try:
        d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                    domains={"example.com.yaml":
                             "domain: example.com\nplan: standard\nmax_accounts: 10\n"
                             "accounts:\n  - user: alice\n"
                             f"    password: \"{{PLAIN}}{PASSWORD}\"\n    quota: 5000\n"},
                    main_extra="plans:\n  - name: standard\n"
                               "    protocols: [smtp, submission, pop3, imap]\n")
        tegami_maildir = os.path.join(d.dir, "var", "mail", "example.com", "alice")
        make_maildir(tegami_maildir)
        dovecot_maildir = os.path.join(work, "alice")
        shutil.copytree(tegami_maildir, dovecot_maildir)
        with d:
            t = measure(d.port("imap"), "alice@example.com")
        with Dovecot(maildir_root=dovecot_maildir, user="alice", password=PASSWORD) as dc:
            v = measure(dc.imap_port, "alice")
        shutil.rmtree(d.dir, ignore_errors=True)
        for key, _ in COMMANDS:
            same = "same" if t[key][2] == v[key][2] else "DIFFERENT"
            for i, what in ((0, "first"), (1, "repeat")):
                print(f"BENCH imap_{key}_{what} tegami={t[key][i]:.0f}ms "
                      f"dovecot={v[key][i]:.0f}ms ratio={t[key][i] / v[key][i]:.2f} "
                      f"messages={MSGS} answers={same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
