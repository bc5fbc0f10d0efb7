"""Reads tegami's queue files (docs/formats.md "The mail queue") the way an admin's script
would: env/<id> is one file — the envelope block, "message <bytes>", the message, then the
appended state lines. Version 1 entries (env/<id> + msg/<id>) are written by tests that check
the migration."""
import os


def split_entry(data):
    """(envelope text with the state lines, message bytes) of a version 2 entry file."""
    if not data.startswith(b"tegami-queue 2\n"):
        raise ValueError("not a version 2 queue entry: %r" % data[:40])
    end = data.index(b"\nend\n") + 5
    nl = data.index(b"\n", end)
    key, size = data[end:nl].split(b" ")
    if key != b"message":
        raise ValueError("no message line")
    start = nl + 1
    size = int(size)
    if len(data) < start + size:
        raise ValueError("message truncated")
    return data[:end] + data[start + size:], data[start:start + size]


def read_entry(queue_dir, qid):
    """(envelope text with the state lines, message bytes) of queue entry `qid`."""
    with open(os.path.join(queue_dir, "env", qid), "rb") as f:
        return split_entry(f.read())


def write_version1(queue_dir, qid, envelope, message):
    """An entry as tegami before version 2 left it: env/<id> = the envelope text, msg/<id> =
    the message (written first, as that version did)."""
    for sub in ("tmp", "msg", "env"):
        os.makedirs(os.path.join(queue_dir, sub), exist_ok=True)
    with open(os.path.join(queue_dir, "msg", qid), "wb") as f:
        f.write(message)
    with open(os.path.join(queue_dir, "env", qid), "wb") as f:
        f.write(envelope)


def write_version2(queue_dir, qid, envelope, message):
    """An entry in the current format; `envelope` is a "tegami-queue 2" block ending "end\\n",
    optionally followed by state lines (they go after the message)."""
    for sub in ("tmp", "env"):
        os.makedirs(os.path.join(queue_dir, sub), exist_ok=True)
    end = envelope.index(b"\nend\n") + 5
    data = envelope[:end] + b"message %d\n" % len(message) + message + envelope[end:]
    tmp = os.path.join(queue_dir, "tmp", qid)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(queue_dir, "env", qid))
