"""The real tegamid, started for a test: a temporary directory with its own config, self-made
certificates and ports chosen at run time on 127.0.0.1; stopped by its pid; every wait bounded.

    with Tegamid(listeners=[("smtp", "smtp", "none"), ("imaps", "imap", "implicit")]) as d:
        port = d.port("imaps")
        d.wait_log("reloaded")

Import it from a test with:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
    from tegamid import Tegamid, make_cert, free_port
Environment: TEGAMI_BUILD_DIR (binaries at src/tegamid, tools/tegami).
"""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

BUILD = os.path.abspath(os.environ.get("TEGAMI_BUILD_DIR", "build"))
TEGAMID = os.path.join(BUILD, "src", "tegamid")
TEGAMI = os.path.join(BUILD, "tools", "tegami")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory, name, cn):
    """A self-signed EC certificate for `cn` (also its SAN); returns (cert_path, key_path)."""
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:" + cn, "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=30)
    return cert, key


def cert_der(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def recv_line(sock, timeout=10.0):
    """Bytes up to and including the first LF (or what came before EOF/timeout)."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data and time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def greeting(port, tls=False, server_name=None, timeout=10.0):
    """(first line, peer certificate DER or None) from a listener."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        if tls:
            s = tls_context().wrap_socket(raw, server_hostname=server_name)
            der = s.getpeercert(binary_form=True)
            line = recv_line(s, timeout)
            s.close()
            return line, der
        return recv_line(raw, timeout), None
    finally:
        raw.close()


class Tegamid:
    """tegamid on a throw-away config. `listeners` are (name, protocol, tls) triples (or
    (name, protocol, tls, {key: value}) with more listener keys); each gets
    a free port. `main_extra` is YAML appended to the main file; `domains` maps a domain file's
    name to its YAML text (relative paths in it are relative to the domains directory).
    Remote delivery is off unless `main_extra` has an `outbound:` section: the machine has no
    internet, and a test that looks at the queue must not race the delivery (test_outbound.py
    points tegamid at its own DNS and receivers)."""

    def __init__(self, listeners, domains=None, main_extra="", drain_timeout=5,
                 hostname="mail.test", self_signed=False, drain_in_config=False):
        self.dir = tempfile.mkdtemp(prefix="tegami-daemon-")
        self.listeners = listeners
        self.ports = {l[0]: free_port() for l in listeners}
        self.metrics_port = free_port()
        self.config = os.path.join(self.dir, "tegami.yaml")
        self.domains_dir = os.path.join(self.dir, "domains")
        self.certs = os.path.join(self.dir, "certs")
        self.log_path = os.path.join(self.dir, "tegamid.log")
        self.socket = os.path.join(self.dir, "run", "control.sock")
        self.drain_timeout = drain_timeout
        # True: the drain deadline comes from server.drain_timeout, not --drain-timeout.
        self.drain_in_config = drain_in_config
        self.hostname = hostname
        os.makedirs(self.domains_dir)
        os.makedirs(self.certs)
        if self_signed:
            self.cert, self.key = (os.path.join(self.dir, "var", "tls", "cert.pem"),
                                   os.path.join(self.dir, "var", "tls", "key.pem"))
        else:
            self.cert, self.key = make_cert(self.certs, "default", hostname)
        self.self_signed = self_signed
        self.main_extra = main_extra
        self.write_main()
        for name, text in (domains or {}).items():
            self.write_domain(name, text)
        self.proc = None
        self.log_file = None

    def main_text(self, hostname=None, extra=None):
        lines = [
            "server:",
            f"  hostname: {hostname or self.hostname}",
            "  mail_root: var/mail",
            "  queue_dir: var/queue",
            f"  control_socket: {self.socket}",
            "  worker_loops: 2",
        ]
        if self.drain_in_config:
            lines.append(f"  drain_timeout: {self.drain_timeout}s")
        lines += [
            "listeners:",
        ]
        for listener in self.listeners:
            name, protocol, tls = listener[:3]
            lines += [f"  - name: {name}", f"    protocol: {protocol}",
                      f"    listen: 127.0.0.1:{self.ports[name]}", f"    tls: {tls}"]
            # An optional 4th element: more keys of this listener, e.g.
            # {"allow_plaintext_auth": "true"}.
            for key, value in (listener[3] if len(listener) > 3 else {}).items():
                lines.append(f"    {key}: {value}")
        lines += ["metrics:", f"  listen: 127.0.0.1:{self.metrics_port}",
                  "tls:", f"  cert: {self.cert}", f"  key: {self.key}",
                  f"  self_signed_if_missing: {'true' if self.self_signed else 'false'}"]
        extra = self.main_extra if extra is None else extra
        if not any(line.startswith("outbound:") for line in extra.splitlines()):
            lines += ["outbound:", "  enabled: false"]
        return "\n".join(lines) + "\n" + extra

    def write_main(self, **kw):
        write_atomically(self.config, self.main_text(**kw))

    def write_domain(self, name, text):
        write_atomically(os.path.join(self.domains_dir, name), text)

    def port(self, name):
        return self.ports[name]

    # --- process ---------------------------------------------------------------------------
    def start(self, wait=True, env=None):
        """Starts tegamid; `env` adds environment variables (e.g. NOTIFY_SOCKET)."""
        self.log_file = open(self.log_path, "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [TEGAMID, "-c", self.config] +
            ([] if self.drain_in_config else ["--drain-timeout", str(self.drain_timeout)]),
            stdout=self.log_file, stderr=subprocess.STDOUT, cwd=self.dir, env=full_env)
        if wait:
            self.wait_log("started", timeout=20)
        return self

    def wait_exit(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def signal(self, signum):
        self.proc.send_signal(signum)

    def stop(self):
        """SIGTERM (if still running) and wait. Raises when a running daemon does not exit 0
        or its log shows a sanitizer report."""
        was_running = self.proc is not None and self.proc.poll() is None
        if was_running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.drain_timeout + 20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        if self.proc is not None:
            log = self.log()
            bad = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
            if any(b in log for b in bad) or (was_running and self.proc.returncode != 0):
                raise AssertionError(f"tegamid exit {self.proc.returncode}; log:\n{log}")

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, text, timeout=15, count=1):
        """Waits until `text` occurs `count` times in the log; returns the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if log.count(text) >= count:
                return log
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"tegamid exited ({self.proc.returncode}) waiting for "
                                     f"{text!r}; log:\n{log}")
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in tegamid's log after {timeout}s:\n{self.log()}")

    def tegami(self, *args, timeout=60):
        return subprocess.run([TEGAMI, "-c", self.config] + list(args), capture_output=True,
                              timeout=timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def http_get(port, request, timeout=10.0):
    """Sends a raw HTTP request; returns (status, headers dict, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body
