"""Debian's Dovecot as a reference peer: started by hand on loopback ports chosen at run time,
with a throw-away config in a temporary directory, over a Maildir the test names.

    with Dovecot(maildir_root="/tmp/x/alice", user="alice", password="pw") as dc:
        imap = imaplib.IMAP4("127.0.0.1", dc.imap_port)

The server runs in the foreground (-F) and is stopped by its pid; every wait is bounded.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DOVECOT = "/usr/sbin/dovecot"


MAIL_UID = 65534  # nobody
MAIL_GID = 65534  # nogroup


def chown_tree(root, uid, gid):
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class Dovecot:
    def __init__(self, maildir_root, user="alice", password="secret", extra_conf=""):
        self.maildir_root = os.path.abspath(maildir_root)
        self.user = user
        self.password = password
        self.extra_conf = extra_conf
        self.proc = None
        self.dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if not os.path.exists(DOVECOT):
            raise RuntimeError("dovecot is not installed (make test installs dovecot-imapd)")
        self.dir = tempfile.mkdtemp(prefix="tegami-dovecot-")
        chown_tree(self.maildir_root, MAIL_UID, MAIL_GID)
        os.chmod(self.dir, 0o755)
        self.imap_port = free_port()
        self.pop3_port = free_port()
        passwd = os.path.join(self.dir, "passwd")
        with open(passwd, "w") as f:
            # user:{scheme}password:uid:gid::home::extra. Dovecot refuses uid 0 for mail access,
            # so the mailbox is served as `nobody`; start() hands the Maildir to that user
            # (the tests run as root and read it back regardless of owner).
            f.write(f"{self.user}:{{PLAIN}}{self.password}:{MAIL_UID}:{MAIL_GID}::{self.dir}::"
                    f"userdb_mail=maildir:{self.maildir_root}\n")
        conf = os.path.join(self.dir, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
info_log_path = {self.dir}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_privileged_group =
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{self.maildir_root}
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
}}
passdb {{
  driver = passwd-file
  args = {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
{self.extra_conf}
""")
        self.conf = conf
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_port(self.imap_port)
        except TimeoutError:
            detail = self.log()
            if self.proc.poll() is not None:
                detail += self.proc.stderr.read().decode(errors="replace")
            self.stop()
            raise RuntimeError("dovecot did not start: " + detail)

    def log(self):
        if self.dir is None:
            return ""
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.proc.stderr.close()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
