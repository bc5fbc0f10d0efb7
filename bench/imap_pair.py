"""The common frame of the single-user IMAP benchmarks (bench_imap_search, _sort, _qresync):
tegamid with one account alice@example.com, the benchmark's folder written into its Maildir,
Debian's Dovecot started over a copy of that Maildir, and the same measurement run against
each in turn (tegamid first, then Dovecot)."""
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("TEGAMI_SOURCE_DIR", os.path.join(here, "..")),
                                "tests", "integration", "lib"))
from accounts import domain_yaml, plan_yaml  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tegamid import Tegamid  # noqa: E402


def measure_pair(work, password, make_maildir, measure):
    """(tegami's result, Dovecot's result) of measure(port, user). `make_maildir(path)` writes the
    account's Maildir once; Dovecot's copy lives under `work`. tegamid's directory is removed
    afterwards; `work` is the caller's."""
    d = Tegamid([("imap", "imap", "none", {"allow_plaintext_auth": "true"})],
                domains={"example.com.yaml": domain_yaml(("alice",), quota=5000,
                                                         password=password)},
                main_extra=plan_yaml(mailbox_quota=None))
    try:
        tegami_maildir = os.path.join(d.dir, "var", "mail", "example.com", "alice")
        make_maildir(tegami_maildir)
        dovecot_maildir = os.path.join(work, "alice")
        shutil.copytree(tegami_maildir, dovecot_maildir)
        with d:
            t = measure(d.port("imap"), "alice@example.com")
        with Dovecot(maildir_root=dovecot_maildir, user="alice", password=password) as dc:
            v = measure(dc.imap_port, "alice")
    finally:
        shutil.rmtree(d.dir, ignore_errors=True)
    return t, v
