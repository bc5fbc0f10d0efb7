"""A tiny authoritative DNS server for tests (UDP, one thread, 127.0.0.1 on a port chosen at run
time), so tegamid's resolver (c-ares, outbound.dns_servers) sees exactly the records a test
wants: A, AAAA, MX (a null MX is ("0", ".")), TXT. Names not in the zone get NXDOMAIN, names in
`servfail` get SERVFAIL, a known name without records of the asked type gets an empty answer.

    with DnsServer({"good.test": {"MX": [(10, "mx.good.test")]},
                    "mx.good.test": {"A": ["127.0.0.1"]}}) as dns:
        config = f"dns_servers: 127.0.0.1:{dns.port}"
"""
import socket
import struct
import threading

TYPES = {"A": 1, "MX": 15, "TXT": 16, "AAAA": 28}
NAMES = {v: k for k, v in TYPES.items()}


def encode_name(name):
    name = name.rstrip(".")
    out = b""
    for label in name.split(".") if name else []:
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def decode_name(packet, offset):
    labels = []
    jumps = 0
    end = None
    while True:
        length = packet[offset]
        if length & 0xC0 == 0xC0:  # compression pointer
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | packet[offset + 1]
            jumps += 1
            if jumps > 20:
                raise ValueError("pointer loop")
            continue
        offset += 1
        if length == 0:
            break
        labels.append(packet[offset:offset + length].decode("ascii", "replace"))
        offset += length
    return ".".join(labels), (end if end is not None else offset)


def rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        preference, host = value
        return struct.pack("!H", int(preference)) + encode_name(host)
    if rtype == "TXT":
        raw = value.encode()
        return b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                        for i in range(0, max(len(raw), 1), 255))
    raise ValueError(rtype)


class DnsServer:
    def __init__(self, zone, servfail=()):
        self.zone = {k.lower().rstrip("."): v for k, v in zone.items()}
        self.servfail = {n.lower() for n in servfail}
        self.queries = []  # (name, type) in arrival order
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def answer(self, packet):
        qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
        name, offset = decode_name(packet, 12)
        qtype, qclass = struct.unpack("!HH", packet[offset:offset + 4])
        question = packet[12:offset + 4]
        key = name.lower().rstrip(".")
        self.queries.append((key, NAMES.get(qtype, str(qtype))))
        rd = flags & 0x0100
        answers = []
        if key in self.servfail:
            rcode = 2
        elif key not in self.zone:
            rcode = 3
        else:
            rcode = 0
            rtype = NAMES.get(qtype)
            for value in self.zone[key].get(rtype, []) if rtype else []:
                data = rdata(rtype, value)
                answers.append(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(data)) + data)
        header = struct.pack("!HHHHHH", qid, 0x8400 | rd | rcode, 1, len(answers), 0, 0)
        return header + question + b"".join(answers)

    def _serve(self):
        while not self._stop.is_set():
            try:
                packet, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(packet), peer)
            except (ValueError, IndexError, struct.error, OSError):
                continue
