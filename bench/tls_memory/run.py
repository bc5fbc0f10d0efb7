#!/usr/bin/env python3
"""Memory per idle TLS connection: tegami's network core versus Dovecot.

Opens N TLS connections (default 10,000) to each server's implicit-TLS IMAP port on loopback,
completes the handshake and reads the greeting on each, then compares the servers' resident
memory (RSS, summed over the server's processes) before and after. Prints KB per connection
for each and the ratio. Target: tegami <= 20 KB per connection.

  bench/tls_memory/run.py --build-dir build [--connections 10000] [--only tegami|dovecot]

Servers: "tegami" is build/bench/tls_memory/tls_memory_server (tegami_net with an idle
handler; tegamid's own IMAPS listener can be measured the same way with --tegamid-port once
IMAP is implemented), "dovecot" is Debian's dovecot-imapd started with a throw-away config in
high-performance mode (one imap-login process serving many clients, as a big site would run
it; the default one-process-per-connection mode costs far more).
"""
import argparse
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            pass
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=bench.test", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def open_connections(port, n, deadline_s):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conns = []
    end = time.monotonic() + deadline_s
    for i in range(n):
        if time.monotonic() > end:
            raise RuntimeError(f"only {i} connections within {deadline_s} s")
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname="bench.test")
        greeting = s.recv(256)
        if not greeting.startswith(b"* OK"):
            raise RuntimeError(f"connection {i}: unexpected greeting {greeting!r}")
        conns.append(s)
    return conns


def measure(name, pid_fn, port, n, deadline_s):
    # Warm up (first-use allocations, worker start) before the baseline.
    warm = open_connections(port, 50, deadline_s)
    for s in warm:
        s.close()
    time.sleep(1.0)
    before = rss_kb(pid_fn())
    t0 = time.monotonic()
    conns = open_connections(port, n, deadline_s)
    time.sleep(1.0)
    after = rss_kb(pid_fn())
    took = time.monotonic() - t0
    per = (after - before) / n
    print(f"{name}: {n} idle TLS connections in {took:.1f} s, RSS {before} KB -> {after} KB, "
          f"{per:.1f} KB per connection", flush=True)
    for s in conns:
        s.close()
    return per


def run_tegami(build_dir, d, n, deadline_s):
    server = os.path.join(build_dir, "bench", "tls_memory", "tls_memory_server")
    if not os.access(server, os.X_OK):
        sys.exit(f"missing {server}: build the target tls_memory_server")
    cert, key = make_cert(d)
    p = subprocess.Popen([server, cert, key, "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        line = p.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            raise RuntimeError(f"tls_memory_server said {line!r}")
        return measure("tegami (net core)", lambda: [p.pid], int(line[1]), n, deadline_s)
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


DOVECOT_CONF = """
base_dir = {d}/run
state_dir = {d}/state
protocols = imap
listen = 127.0.0.1
log_path = {d}/dovecot.log
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = static
  args = password=unused
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={d}/home/%u
}}
default_client_limit = {limit}
default_process_limit = 10
default_vsz_limit = 2G
login_trusted_networks =
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
  service_count = 0
  process_min_avail = 1
  process_limit = 1
  client_limit = {limit}
}}
service anvil {{
  client_limit = {limit2}
}}
"""


def run_dovecot(d, n, deadline_s):
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.access(dovecot, os.X_OK):
        sys.exit("dovecot is not installed (Debian package dovecot-imapd)")
    cert, key = make_cert(d)
    port = free_port()
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(DOVECOT_CONF.format(d=d, cert=cert, key=key, port=port, limit=n + 200,
                                    limit2=1000))
    for sub in ("run", "state", "mail", "home"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    p = subprocess.Popen([dovecot, "-F", "-c", conf])
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("dovecot did not start; see " + os.path.join(d, "dovecot.log"))
        return measure("dovecot", lambda: tree(p.pid), port, n, deadline_s)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("TEGAMI_BUILD_DIR", "build"))
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--only", choices=["tegami", "dovecot"])
    ap.add_argument("--deadline", type=float, default=600.0, help="seconds per server")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.connections + 1000  # this process; each server inherits the same limit
    if hard < need:
        sys.exit(f"open-file limit {hard} is below {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    results = {}
    with tempfile.TemporaryDirectory(prefix="tegami-bench-") as d:
        if args.only in (None, "tegami"):
            os.makedirs(os.path.join(d, "t"))
            results["tegami"] = run_tegami(args.build_dir, os.path.join(d, "t"),
                                           args.connections, args.deadline)
        if args.only in (None, "dovecot"):
            os.makedirs(os.path.join(d, "d"))
            os.chmod(d, 0o755)
            results["dovecot"] = run_dovecot(os.path.join(d, "d"), args.connections,
                                             args.deadline)
    if "tegami" in results:
        verdict = "ok" if results["tegami"] <= 20 else "OVER TARGET"
        print(f"tegami target <= 20 KB per connection: {verdict}")
    if len(results) == 2 and results["dovecot"] > 0:
        print(f"ratio tegami/dovecot: {results['tegami'] / results['dovecot']:.2f}")
        print(f"BENCH tls_idle_memory_{args.connections} tegami={results['tegami']:.1f}KB/conn "
              f"dovecot={results['dovecot']:.1f}KB/conn "
              f"ratio={results['tegami'] / results['dovecot']:.2f}")
    return 0 if results.get("tegami", 0) <= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
