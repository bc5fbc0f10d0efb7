"""The plan and domain YAML most integration tests and benchmarks start tegamid with: one plan
`standard`, one domain (example.com) whose accounts all share one password ({PLAIN}) and one
quota. Tests with other needs (several plans, per-account quotas) write their own YAML."""

PASSWORD = "Secret 1"  # with a space: POP3 PASS takes the rest of the line
ALL_PROTOCOLS = ("smtp", "submission", "pop3", "imap")


def plan_yaml(mailbox_quota=50, protocols=ALL_PROTOCOLS, name="standard"):
    """A `plans:` section (for Tegamid's main_extra) with one plan (mailbox_quota None: the
    plan sets none)."""
    quota = f"    mailbox_quota: {mailbox_quota}\n" if mailbox_quota is not None else ""
    return f"plans:\n  - name: {name}\n{quota}    protocols: [{', '.join(protocols)}]\n"


def domain_yaml(users=("alice",), quota=40, domain="example.com", plan="standard",
                max_accounts=10, password=PASSWORD):
    """A domain file's text: `users` each with `password` and a quota of `quota` MB."""
    text = f"domain: {domain}\nplan: {plan}\nmax_accounts: {max_accounts}\naccounts:\n"
    for u in users:
        text += f"  - user: {u}\n    password: \"{{PLAIN}}{password}\"\n    quota: {quota}\n"
    return text
