"""A byte-exact IMAP client for differential tests: sends a command, returns every untagged
response whole (literals included) and the tagged line; splits a FETCH response into its
items as raw bytes, so two servers' answers can be compared item by item."""
import re
import socket


class RawImap:
    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")
        self.n = 0
        self.response()  # greeting

    def close(self):
        try:
            self.command("LOGOUT")
        finally:
            self.f.close()
            self.sock.close()

    def response(self):
        line = self.f.readline()
        out = line
        while True:
            m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
            if not m:
                return out
            out += self.f.read(int(m.group(1)))
            line = self.f.readline()
            out += line

    def command(self, text):
        self.n += 1
        tag = b"r%d" % self.n
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            r = self.response()
            if not r:
                raise ConnectionError("connection closed")
            if r.startswith(tag + b" "):
                return untagged, r
            untagged.append(r)


def _skip_value(b, i):
    c = b[i:i + 1]
    if c == b"(":
        depth = 0
        while True:
            c = b[i:i + 1]
            if c == b"(":
                depth += 1
                i += 1
            elif c == b")":
                depth -= 1
                i += 1
                if depth == 0:
                    return i
            elif c in (b'"', b"{"):
                i = _skip_value(b, i)
            else:
                i += 1
    if c == b'"':
        i += 1
        while b[i:i + 1] != b'"':
            i += 2 if b[i:i + 1] == b"\\" else 1
        return i + 1
    if c == b"{":
        m = re.match(rb"\{(\d+)\}\r\n", b[i:])
        return i + m.end() + int(m.group(1))
    while i < len(b) and b[i:i + 1] not in (b" ", b")"):
        i += 1
    return i


def fetch_items(resp):
    """b'* 3 FETCH (UID 7 BODY[1] {2}\\r\\nab)\\r\\n' -> (3, {b'UID': b'7', b'BODY[1]': b'{2}\\r\\nab'})"""
    m = re.match(rb"\* (\d+) FETCH \(", resp)
    assert m, resp
    i = m.end()
    items = {}
    while resp[i:i + 1] != b")":
        start = i
        depth = 0
        while depth or resp[i:i + 1] != b" ":
            if resp[i:i + 1] == b"[":
                depth += 1
            elif resp[i:i + 1] == b"]":
                depth -= 1
            i += 1
        name = resp[start:i]
        i += 1
        end = _skip_value(resp, i)
        items[name] = resp[i:end]
        i = end
        if resp[i:i + 1] == b" ":
            i += 1
    return int(m.group(1)), items
