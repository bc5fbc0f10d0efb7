"""Outbound benchmark (issue 8): messages/s relayed from a submission client to Postfix's
`smtp-sink` on loopback. 8 client sessions send 4 KB messages as fast as the server answers
(MAIL/RCPT/DATA pipelined) for a fixed time; the figure is messages sent divided by the time
from the first message until the sink has counted every one of them (so the queue must drain).

  tegami   tegamid: Submission (AUTH PLAIN), the durable queue, remote delivery through
           outbound.smarthost = the sink (no TLS), connections_per_domain = BENCH_OUT_CONNS.
  postfix  Debian's Postfix started here with its own config directory (`postfix -c`),
           relayhost = the sink, clients relayed by mynetworks (no AUTH: Postfix's SASL needs
           Dovecot or Cyrus; this favours Postfix slightly), default concurrency.

Both run in the same process run against one smtp-sink each (same options), in BENCH_OUT_ROUNDS
(default 2) rounds that alternate tegami and Postfix. Prints
  BENCH outbound_4k_8s tegami=<msg/s> postfix=<msg/s> ratio=<tegami/postfix> \
        tegami_rounds=<min-max> postfix_rounds=<min-max>
Target: ratio >= 3. Environment: BENCH_OUT_SECONDS (default 5), BENCH_OUT_CONNS (default 8),
BENCH_OUT_ROUNDS, BENCH_OUT_ONLY=tegami (skip Postfix, for comparing tegami builds)."""
import faulthandler
import multiprocessing
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from tegamid import Tegamid, free_port  # noqa: E402
from smtp_receiver import SmtpSink  # noqa: E402

SECONDS = float(os.environ.get("BENCH_OUT_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_OUT_ROUNDS", "2"))
CONNS = int(os.environ.get("BENCH_OUT_CONNS", "8"))
SESSIONS = 8
SIZE = 4096
PASSWORD = "bench-pw"


def make_message():
    head = (b"From: bench@bench.test\r\nTo: rcpt@sink.test\r\nSubject: outbound benchmark\r\n"
            b"Message-ID: <bench@bench.test>\r\n\r\n")
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopq\r\n"
    msg = head + line * ((SIZE - len(head)) // len(line) - 1)
    return msg + b"x" * (SIZE - len(msg) - 2) + b"\r\n"


def Sink():
    """smtp-sink on a free loopback port, counting completed DATA commands."""
    return SmtpSink(free_port())


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""

    def replies(self, n):
        out = []
        while len(out) < n:
            i = self.buf.find(b"\r\n")
            if i < 0:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed after %r" % out)
                self.buf += chunk
                continue
            line, self.buf = self.buf[:i], self.buf[i + 2:]
            if line[3:4] != b"-":
                out.append(line)
        return out


def session(port, auth, message, start, stop_at, result):
    try:
        c = Conn(port)
        c.replies(1)
        c.s.sendall(b"EHLO bench.client\r\n")
        c.replies(1)
        if auth:
            import base64
            token = base64.b64encode(b"\0bench@bench.test\0" + PASSWORD.encode())
            c.s.sendall(b"AUTH PLAIN " + token + b"\r\n")
            r = c.replies(1)[0]
            if not r.startswith(b"235"):
                raise RuntimeError("AUTH refused: %r" % r)
        envelope = (b"MAIL FROM:<bench@bench.test> SIZE=%d\r\nRCPT TO:<rcpt@sink.test>\r\n"
                    b"DATA\r\n" % len(message))
        data = message + b".\r\n"
        start.wait()
        sent = 0
        while time.time() < stop_at.value:
            c.s.sendall(envelope)
            rs = c.replies(3)
            if not (rs[0].startswith(b"250") and rs[1].startswith(b"250") and
                    rs[2].startswith(b"354")):
                raise RuntimeError("refused: %r" % rs)
            c.s.sendall(data)
            r = c.replies(1)[0]
            if not r.startswith(b"250"):
                raise RuntimeError("DATA refused: %r" % r)
            sent += 1
        c.s.sendall(b"QUIT\r\n")
        c.replies(1)
        c.s.close()
        result.put(sent)
    except Exception as e:  # reported by the parent
        result.put(e)


def run(port, auth, sink):
    """(messages, seconds from the start until the sink counted all of them)."""
    message = make_message()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    stop_at = ctx.Value("d", 0.0)
    result = ctx.Queue()
    before = sink.count
    procs = [ctx.Process(target=session, args=(port, auth, message, start, stop_at, result))
             for _ in range(SESSIONS)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    t0 = time.time()
    stop_at.value = t0 + SECONDS
    start.set()
    sent = 0
    for _ in procs:
        r = result.get(timeout=SECONDS + 120)
        if isinstance(r, Exception):
            raise r
        sent += r
    for p in procs:
        p.join(timeout=30)
    deadline = time.time() + 300
    while sink.count < before + sent and time.time() < deadline:
        time.sleep(0.01)
    t1 = time.time()
    if sink.count < before + sent:
        raise RuntimeError(f"the sink got {sink.count - before} of {sent}")
    return sent, t1 - t0


MASTER_CF = """{listen} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
smtp unix - - n - - smtp
relay unix - - n - - smtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""

MAIN_CF = """compatibility_level = 3.6
queue_directory = {dir}/spool
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-bench-out
maillog_file_prefixes = {dir}
maillog_file = {dir}/maillog
myhostname = postfix.bench.local
mydomain = bench.local
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{sink}
smtp_tls_security_level = none
message_size_limit = 20971520
smtpd_banner = $myhostname ESMTP
biff = no
"""


class Postfix:
    def __init__(self, root, sink_port):
        self.dir = os.path.join(root, "postfix")
        self.etc = os.path.join(self.dir, "etc")
        self.port = free_port()
        for d in ("etc", "spool", "data"):
            os.makedirs(os.path.join(self.dir, d))
        os.chmod(root, 0o755)
        os.chmod(self.dir, 0o755)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, sink=sink_port))
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))
        os.chown(os.path.join(self.dir, "data"), pwd.getpwnam("postfix").pw_uid, -1)

    def run(self, *args):
        return subprocess.run(["postfix", "-c", self.etc] + list(args), capture_output=True,
                              timeout=60)

    def start(self):
        r = self.run("start")
        if r.returncode != 0:
            raise RuntimeError("postfix start: " + (r.stdout + r.stderr).decode())
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("postfix does not listen")

    def stop(self):
        self.run("stop")


def main():
    if os.environ.get("BENCH_OUT_DEBUG"):
        faulthandler.dump_traceback_later(float(os.environ["BENCH_OUT_DEBUG"]))
    for tool in ("postfix", "smtp-sink"):
        if shutil.which(tool) is None:
            print(f"{tool} not installed", file=sys.stderr)
            return 1
    root = tempfile.mkdtemp(prefix="tegami-bench-out-")
    sinks = []
    d = pf = None
    try:
        t_sink, p_sink = Sink(), Sink()
        sinks = [t_sink, p_sink]
        domain = f"""domain: bench.test
accounts:
  - user: bench
    password: "{{PLAIN}}{PASSWORD}"
"""
        d = Tegamid([("submission", "submission", "none", {"allow_plaintext_auth": "true"})],
                    domains={"bench.test.yaml": domain},
                    main_extra=f"""outbound:
  connections_per_domain: {CONNS}
  smarthost:
    host: 127.0.0.1
    port: {t_sink.port}
    tls: none
""")
        d.start()
        pf = Postfix(root, p_sink.port)
        pf.start()
        only_tegami = os.environ.get("BENCH_OUT_ONLY") == "tegami"  # quick A/B of tegami builds
        totals = {"tegami": [0, 0.0], "postfix": [0, 0.0]}
        rates = {"tegami": [], "postfix": []}
        # Rounds alternate tegami and Postfix, so that the shared disk's drift is spread over
        # both; a system's rate is its messages over its seconds summed over the rounds.
        for rnd in range(ROUNDS):
            turns = [("tegami", d.port("submission"), True, t_sink)]
            if not only_tegami:
                turns.append(("postfix", pf.port, False, p_sink))
            if rnd % 2 == 1:
                turns.reverse()
            for name, port, auth, sink in turns:
                n, secs = run(port, auth, sink)
                totals[name][0] += n
                totals[name][1] += secs
                rates[name].append(n / secs)
                print(f"round {rnd + 1} {name}: {n} messages in {secs:.2f} s = {n / secs:.0f}/s "
                      f"(sending for {SECONDS:.0f} s, then drain)", flush=True)
        rate_t = totals["tegami"][0] / totals["tegami"][1]
        if only_tegami:
            print(f"tegami: {rate_t:.0f}/s")
            return 0
        rate_p = totals["postfix"][0] / totals["postfix"][1]
        rng = {k: f"{min(v):.0f}-{max(v):.0f}" for k, v in rates.items()}
        print(f"BENCH outbound_4k_8s tegami={rate_t:.0f}/s postfix={rate_p:.0f}/s "
              f"ratio={rate_t / rate_p:.2f} tegami_rounds={rng['tegami']}/s "
              f"postfix_rounds={rng['postfix']}/s")
        return 0
    finally:
        if pf is not None:
            pf.stop()
        if d is not None:
            d.__exit__(None, None, None)
        for s in sinks:
            s.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
