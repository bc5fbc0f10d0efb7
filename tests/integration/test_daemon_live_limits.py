"""Connection limits change on reload without a restart (issue 3: reload applies limits live).

Idle connections are held on an implicit-TLS listener without starting the handshake, so they
stay open until the pre-auth timeout. With the per-IP limit lowered by a reload, a further
connection from the same address is refused at once, while the ones already open are kept."""
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tegamid import Tegamid, http_get, tls_context  # noqa: E402


def stays_open(sock, seconds=0.7):
    """True when the server neither closes nor answers within `seconds`."""
    sock.settimeout(seconds)
    try:
        data = sock.recv(1)
    except socket.timeout:
        return True
    except OSError:
        return False
    return data != b""


def refused_count(d):
    status, _, body = http_get(d.metrics_port, b"GET /metrics HTTP/1.0\r\n\r\n")
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith('tegami_connections_refused_total{protocol="imap"}'):
            return int(line.split()[-1])
    raise AssertionError("no tegami_connections_refused_total for imap in /metrics")


def refused_answer(port):
    """What a new client sees: the greeting line after the TLS handshake, or b'' when the
    connection is dropped."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s = tls_context().wrap_socket(raw)
        s.settimeout(10)
        return s.recv(4096)
    except (OSError, ConnectionError):
        return b""
    finally:
        raw.close()


class LiveLimits(unittest.TestCase):
    def test_lowered_per_ip_limit_applies_to_new_connections_without_restart(self):
        limits = "limits:\n  preauth_timeout: 60s\n  max_connections_per_ip: {}\n"
        with Tegamid(listeners=[("imaps", "imap", "implicit")],
                     main_extra=limits.format(100)) as d:
            port = d.port("imaps")
            held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
            for s in held:
                self.assertTrue(stays_open(s))
            # Under the old limit a third client is served, not refused.
            self.assertTrue(refused_answer(port).startswith(b"* "))  # an IMAP greeting
            self.assertEqual(refused_count(d), 0)
            pid = d.proc.pid
            d.write_main(extra=limits.format(1))
            d.signal(signal.SIGHUP)
            d.wait_log("config: reloaded", timeout=15)
            refused_answer(port)
            self.assertEqual(refused_count(d), 1)
            for s in held:  # open connections over the lowered limit are kept
                self.assertTrue(stays_open(s, 0.3))
            self.assertEqual(d.proc.pid, pid)
            self.assertIsNone(d.proc.poll())
            self.assertNotIn("change at the next restart", d.log())
            for s in held:
                s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
