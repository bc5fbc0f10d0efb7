"""IMAP SORT and THREAD benchmark (issue 7): `UID SORT (DATE)`, `UID SORT (SUBJECT)` and
`UID THREAD REFERENCES` and the ESORT form `UID SORT RETURN (MIN MAX COUNT ALL) (DATE)` over a
10,000-message folder (threads of 1-8 messages linked by References/In-Reply-To, Re:/Fwd:
subjects, dates in several zones), tegamid against Debian's Dovecot over a copy of the same
Maildir, in one run. Each command runs once after SELECT ("first": tegami parses what its
structure cache lacks, Dovecot fills its cache), then 3 more times (best: "repeat"), then once
after a new message was APPENDed ("after_new": what a client does on new mail); both servers
must give the same answers. Prints
`BENCH imap_<command>_<first|repeat|after_new> tegami=<ms> dovecot=<ms> ratio=<tegami/dovecot>`
(target: ratio <= 1). Environment: BENCH_SORT_MSGS to scale (e.g. 100000)."""
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
from imap_pair import measure_pair  # noqa: E402

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
            ("thread_references", b"UID THREAD REFERENCES UTF-8 ALL"),
            ("esort_date", b"UID SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL")]


def append(c, i):
    """APPENDs message `i` (a new one, in a thread of its own) and waits for the OK."""
    data = message(i).replace(b"\n", b"\r\n")
    c.n += 1
    tag = b"b%d" % c.n
    c.sock.sendall(tag + b" APPEND INBOX {%d}\r\n" % len(data))
    if not c.line().startswith(b"+"):
        raise RuntimeError("APPEND refused")
    c.sock.sendall(data + b"\r\n")
    while True:
        line = c.line()
        if line.startswith(tag + b" "):
            if not line[len(tag) + 1:].startswith(b"OK"):
                raise RuntimeError(f"APPEND: {line!r}")
            return


def measure(port, user):
    c = Client(port, user)
    res = {}

    def run(command):
        t0 = time.perf_counter()
        out = c.cmd(command)
        return (time.perf_counter() - t0) * 1000, out
    for key, command in COMMANDS:
        first, answer = run(command)
        repeat = min(run(command)[0] for _ in range(3))
        res[key] = [first, repeat, None, [answer]]
    # Then, for each command, a new message arrives (APPEND, then NOOP so the session knows
    # it; neither timed) and the command runs again: what a client does on new mail.
    for n, (key, command) in enumerate(COMMANDS):
        append(c, 10 * MSGS + n)
        c.cmd(b"NOOP")
        res[key][2], new_answer = run(command)
        res[key][3].append(new_answer)
    c.cmd(b"LOGOUT")
    return res


def main():
    work = tempfile.mkdtemp(prefix="bench-sort-")
    os.chmod(work, 0o755)
    try:
        t, v = measure_pair(work, PASSWORD, make_maildir, measure)
        for key, _ in COMMANDS:
            same = "same" if t[key][3] == v[key][3] else "DIFFERENT"
            for i, what in ((0, "first"), (1, "repeat"), (2, "after_new")):
                print(f"BENCH imap_{key}_{what} tegami={t[key][i]:.1f}ms "
                      f"dovecot={v[key][i]:.1f}ms ratio={t[key][i] / v[key][i]:.2f} "
                      f"messages={MSGS} answers={same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
