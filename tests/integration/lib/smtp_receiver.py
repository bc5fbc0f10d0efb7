"""Scripted SMTP servers for outbound tests, on 127.0.0.1 ports chosen by the caller.

Receiver: Debian's aiosmtpd, behaving per recipient domain (see `Script`), recording each
accepted message byte for byte with its envelope, TLS and AUTH facts. EvilServer: a raw socket
server that misbehaves (garbage greeting, endless multi-line reply, hang, drop) to check that
the client gives up within its timeouts.
"""
import asyncio
import socket
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

DSN_PARAMS = ("RET", "ENVID", "NOTIFY", "ORCPT")


class DsnSMTP(SMTP):
    """aiosmtpd answers 555 to parameters it does not know; this one takes the RFC 3461 ones
    (they stay in mail_options / rcpt_options, as the client sent them, upper-cased)."""

    def _getparams(self, params):
        result = super()._getparams(params)
        if result is not None:
            for k in DSN_PARAMS:
                result.pop(k, None)
        return result


class DsnController(Controller):
    def factory(self):
        return DsnSMTP(self.handler, **self.SMTP_kwargs)


class Received:
    def __init__(self, mail_from, rcpts, data, tls, auth, ehlo, mail_options):
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.data = data
        self.tls = tls
        self.auth = auth
        self.ehlo = ehlo
        self.mail_options = mail_options


class Handler:
    """Per recipient domain:
      defer.test     first RCPT of each address 451, then 250
      tempfail.test  always 451
      reject.test    550 5.1.1 ... no such user here (tegami-test)
      hold.test      DATA waits while `hold` is set (then 250)
      anything else  250
    `no_8bit`: the EHLO reply leaves out 8BITMIME. `dsn`: the EHLO reply offers DSN.
    `rcpt_params`: recipient → RCPT parameters of each attempt."""

    def __init__(self, no_8bit=False, dsn=False):
        self.no_8bit = no_8bit
        self.dsn = dsn
        self.rcpt_params = {}
        self.messages = []
        self.rcpt_attempts = {}
        self.senders = {}  # recipient → MAIL FROM of each RCPT attempt
        self.hold = threading.Event()
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.no_8bit:
            responses = [r for r in responses if "8BITMIME" not in r]
        if self.dsn:
            responses = responses[:-1] + ["250-DSN"] + responses[-1:]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rsplit("@", 1)[-1].lower()
        with self.lock:
            n = self.rcpt_attempts.get(address, 0) + 1
            self.rcpt_attempts[address] = n
            self.senders.setdefault(address, []).append(envelope.mail_from)
            self.rcpt_params.setdefault(address, []).append(list(rcpt_options))
        if domain == "defer.test" and n == 1:
            return "451 4.3.0 try again later (tegami-test)"
        if domain == "tempfail.test":
            return "451 4.3.2 system busy (tegami-test)"
        if domain == "reject.test":
            return f"550 5.1.1 <{address}>: no such user here (tegami-test)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.rsplit("@", 1)[-1].lower() == "hold.test" for r in envelope.rcpt_tos):
            deadline = time.monotonic() + 60
            while self.hold.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        auth = session.auth_data.login.decode() if session.auth_data is not None and hasattr(
            session.auth_data, "login") else None
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content, session.ssl is not None,
                                          auth, session.host_name,
                                          list(envelope.mail_options)))
        return "250 2.0.0 queued as tegami-test"

    def for_rcpt(self, address):
        with self.lock:
            return [m for m in self.messages if address in m.rcpts]


def server_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class Receiver:
    """aiosmtpd on 127.0.0.1:port. `tls`: (cert, key) to offer STARTTLS. `auth`: {user: pw}
    to require AUTH (and STARTTLS before it). `dsn`: offer DSN (RFC 3461) and record its
    parameters. `smtputf8`: offer SMTPUTF8 (RFC 6531; aiosmtpd's Controller does by default)."""

    def __init__(self, port, tls=None, auth=None, no_8bit=False, dsn=False, smtputf8=True):
        self.handler = Handler(no_8bit=no_8bit, dsn=dsn)
        kwargs = {"enable_SMTPUTF8": smtputf8}
        if tls:
            kwargs["tls_context"] = server_tls_context(*tls)
        if auth is not None:
            def authenticator(server, session, envelope, mechanism, data):
                ok = data.login.decode() in auth and auth[data.login.decode()] == data.password.decode()
                return AuthResult(success=ok, handled=False, auth_data=data)
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=True, require_starttls=True)
        cls = DsnController if dsn else Controller
        self.controller = cls(self.handler, hostname="127.0.0.1", port=port, decode_data=False,
                              **kwargs)
        self.port = port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class EvilServer:
    """Raw TCP on (host, port). Modes (settable while running):
      garbage   sends a non-SMTP greeting line and waits
      endless   sends "220-" lines forever (an endless multi-line reply)
      hang      accepts and says nothing
      drop      accepts and closes at once"""

    def __init__(self, host, port, mode="hang"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.mode = mode
        self.connections = 0
        self.bytes_sent = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self):
        self._threads[0].start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=5)
        self.sock.close()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn, self.mode), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn, mode):
        conn.settimeout(0.2)
        try:
            if mode == "drop":
                return
            if mode == "garbage":
                conn.sendall(b"\x00\xffHELLO THIS IS NOT SMTP\r\n")
            deadline = time.monotonic() + 30
            while not self._stop.is_set() and time.monotonic() < deadline:
                if mode == "endless":
                    chunk = b"220-this reply never ends " + b"x" * 200 + b"\r\n"
                    try:
                        conn.sendall(chunk * 20)
                        self.bytes_sent += len(chunk) * 20
                    except OSError:
                        return
                    time.sleep(0.001)
                    continue
                try:
                    if conn.recv(4096) == b"":
                        return
                except socket.timeout:
                    continue
                except OSError:
                    return
        finally:
            conn.close()


class SmtpSink:
    """Postfix's smtp-sink on 127.0.0.1:port with extra options (e.g. ["-f", "RCPT"] to refuse
    every RCPT with a 5xx, ["-r", "RCPT"] with a 4xx, ["-q", "DATA"] to hang up after DATA,
    ["-e"] to refuse EHLO, ["-8"] for no 8BITMIME). `count` follows its -c counter of
    messages received (completed DATA)."""

    def __init__(self, port, options=()):
        import re
        import subprocess
        self._re = re.compile(rb"mesg=(\d+)")
        self.port = port
        self.proc = subprocess.Popen(["smtp-sink", "-c", "-u", "postfix"] + list(options) +
                                     [f"127.0.0.1:{port}", "256"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.count = 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("smtp-sink does not listen")

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                return
            buf = (buf + chunk)[-256:]
            found = self._re.findall(buf)
            if found:
                self.count = int(found[-1])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
