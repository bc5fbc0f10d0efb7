// The key tables of a domain: plans, accounts, aliases, mailing lists, per-domain TLS, DKIM and
// DNS (schema_codecs.h has the machinery).
#include "config/schema_codecs.h"

namespace tegami::config::schema::detail {

template <>
const std::vector<Field<PlanDoc>>& fields() {
  using S = PlanDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("name", kRequired, "standard", "name that domains refer to", GET(v.name)),
      row<MbC, S>("mailbox_quota", kDefault, "50",
                  "default quota of a new account, whole MB (50, 50MB, 5GB)",
                  GET(v.mailbox_quota_mb)),
      row<MbC, S>("max_mailbox_quota", kDefault, "0",
                  "highest quota an account of this plan may get; 0 = no limit",
                  GET(v.max_mailbox_quota_mb)),
      row<EnumC<QuotaPolicy>, S>("quota_policy", kDefault, "overshoot",
                                 "overshoot (a mailbox under quota takes one more message) or "
                                 "strict (refuse what does not fit)",
                                 GET(v.quota_policy)),
      row<SeqC<EnumC<Protocol>>, S>("protocols", kDefault, "[smtp, submission, pop3, imap]",
                                    "protocols the users may log in with", GET(v.protocols)),
      row<UIntC<std::uint32_t>, S>("quota_warning", kDefault, "90",
                                   "warn a user (a message in INBOX, at most daily) once a "
                                   "delivery takes the mailbox past this % of its quota; 0 = off",
                                   GET(v.quota_warning_percent)),
  };
  return t;
}

template <>
const std::vector<Field<ListMember>>& fields() {
  using S = ListMember;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("address", kRequired, "carol@example.com", "member address (may be a list)",
                   GET(address)),
      row<OptStrC, S>("comment", kOptional, "\"Carol, ACME Inc.\"", "free text", GET(comment)),
  };
  return t;
}

struct MemberSeqC : SeqC<MemberC> {
  static std::function<void(std::string&, int)> example() {
    return [](std::string& out, int indent) {
      std::string pad(static_cast<size_t>(indent), ' ');
      out += pad + "- alice@example.com\n";
      out += pad + "- {address: carol@example.com, comment: \"Carol, ACME Inc.\"}\n";
    };
  }
};

template <>
const std::vector<Field<ListDoc>>& fields() {
  using S = ListDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("address", kRequired, "sales", "local part of the list address",
                   GET(v.local_part)),
      row<MemberSeqC, S>("members", kDefault, "[]",
                         "addresses (a bare name gets @domain), optionally with a comment",
                         GET(v.members)),
      row<SeqC<StrC>, S>("admins", kDefault, "[]", "members who may manage the list",
                         GET(v.admins)),
      row<OptStrC, S>("subject_tag", kOptional, "sales", "tag put into the subject; empty = none",
                      GET(v.subject_tag)),
      row<StrC, S>("subject_format", kDefault, "\"[%t:%05n]\"",
                   "subject prefix: %t tag, %n serial number (printf width), %% percent",
                   GET(v.subject_format)),
      row<EnumC<PostingPolicy>, S>("posting", kDefault, "members",
                                   "who may post: anyone, members or admins", GET(v.posting)),
      row<EnumC<ReplyToPolicy>, S>("reply_to", kDefault, "keep",
                                   "Reply-To: keep (as sent), list or sender", GET(v.reply_to)),
      row<BoolC, S>("archive", kDefault, "false", "keep every post in the list's own Maildir",
                    GET(v.archive)),
      row<BoolC, S>("munge_from", kDefault, "false",
                    "From: becomes the list when the poster's domain has DMARC p=reject or "
                    "quarantine",
                    GET(v.munge_from)),
      row<UIntC<std::uint32_t>, S>("bounce_limit", kDefault, "5",
                                   "permanent bounces that disable a member; 0 = never",
                                   GET(v.bounce_limit)),
  };
  return t;
}

template <>
const std::vector<Field<AliasDoc>>& fields() {
  using S = AliasDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("address", kRequired, "postmaster", "local part of the alias",
                   GET(v.local_part)),
      row<SeqC<StrC>, S>("to", kRequired, "[alice, bob@example.net]",
                         "target addresses (a bare name gets @domain)", GET(v.targets)),
  };
  return t;
}

template <>
const std::vector<Field<AccountDoc>>& fields() {
  using S = AccountDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("user", kRequired, "alice",
                   "local part: a-z 0-9 . _ - (stored lower-case; '+' starts a detail)",
                   GET(v.local_part)),
      row<StrC, S>("password", kOptional, "\"{SHA512-CRYPT}$6$salt$hash\"",
                   "hash in Dovecot's {SCHEME} form (tegami pw); missing = cannot log in",
                   GET(v.password_hash)),
      row<OptC<MbC>, S>("quota", kOptional, "50",
                        "mailbox quota in whole MB (50, 50MB, 5GB); default: the plan's",
                        GET(quota_mb)),
      row<OptStrC, S>("display_name", kOptional, "Alice Example", "the person's name",
                      GET(v.display_name)),
      row<BoolC, S>("enabled", kDefault, "true", "false = cannot log in, mail still accepted",
                    GET(v.enabled)),
      row<SeqC<StrC>, S>("aliases", kDefault, "[]", "more local parts delivering here",
                         GET(v.aliases)),
  };
  return t;
}

template <>
const std::vector<Field<DomainTlsDoc>>& fields() {
  using S = DomainTlsDoc;
  static const std::vector<Field<S>> t = {
      row<PathC, S>("cert", kOptional, "tls/example.com.pem", "PEM chain served for SNI <domain>",
                    GET(cert_file)),
      row<PathC, S>("key", kOptional, "tls/example.com.key", "PEM private key", GET(key_file)),
  };
  return t;
}

struct DomainTlsC : StructC<DomainTlsDoc> {
  static bool present(const DomainTlsDoc& v) { return !v.cert_file.empty(); }
};

template <>
const std::vector<Field<DomainDkimDoc>>& fields() {
  using S = DomainDkimDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("selector", kRequired, "s202612", "DNS selector: <selector>._domainkey.<domain>",
                   GET(v.selector)),
      row<EnumC<DkimAlgorithm>, S>("algorithm", kDefault, "rsa-sha256",
                                   "rsa-sha256 or ed25519-sha256 (must match the key)",
                                   GET(v.algorithm)),
      row<PathC, S>("key", kOptional, "/var/lib/tegami/dkim/example.com/s202612.pem",
                    "PEM private key; default <dkim.key_dir>/<domain>/<selector>.pem",
                    GET(v.key_file)),
      row<SeqC<StrC>, S>("headers", kOptional, "[from, to, subject, date]",
                         "header fields to sign; default: dkim.headers", GET(v.headers)),
  };
  return t;
}

template <>
const std::vector<Field<DomainDns>>& fields() {
  using S = DomainDns;
  static const std::vector<Field<S>> t = {
      row<OptStrC, S>("spf", kOptional, "\"v=spf1 mx include:_spf.example.net -all\"",
                      "SPF record `tegami dns-records` prints (default: v=spf1 mx -all)", GET(spf)),
      row<OptStrC, S>("dmarc", kOptional,
                      "\"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com\"",
                      "DMARC record it prints (default: v=DMARC1; p=none; "
                      "rua=mailto:postmaster@<domain>)",
                      GET(dmarc)),
  };
  return t;
}

struct DomainDnsC : StructC<DomainDns> {
  static bool present(const DomainDns& v) { return !v.spf.empty() || !v.dmarc.empty(); }
};

struct DomainDkimC : StructC<DomainDkimDoc> {
  static bool present(const DomainDkimDoc& v) { return v.v.signing(); }
};

template <>
const std::vector<Field<DomainDoc>>& fields() {
  using S = DomainDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("domain", kRequired, "example.com", "the mail domain", GET(v.name)),
      row<StrC, S>("plan", kDefault, "standard", "name of a plan", GET(v.plan)),
      row<UIntC<std::uint32_t>, S>("max_accounts", kDefault, "200",
                                   "contract: most accounts (\"max IDs\")", GET(v.max_accounts)),
      row<MbC, S>("disk_quota", kDefault, "0",
                  "contracted capacity in whole MB (10GB); 0 = none. Quotas adding up to more "
                  "give a warning",
                  GET(v.disk_quota_mb)),
      row<OptC<UIntC<std::uint32_t>>, S>("max_lists", kOptional, "100",
                                         "most mailing lists; default min(max_accounts / 2, 500)",
                                         GET(max_lists)),
      row<OptC<UIntC<std::uint32_t>>, S>(
          "max_imap_connections", kOptional, "100",
          "most concurrent IMAP connections; default min(max_accounts / 2, 500)",
          GET(max_imap_connections)),
      row<EnumC<UidlFormat>, S>("uidl_format", kDefault, "dovecot",
                                "POP3 UIDL: dovecot (%08x%08x) or courier (UID<n>-<validity>)",
                                GET(v.uidl_format)),
      row<OptC<BoolC>, S>("pop3_mark_seen", kOptional, "false",
                          "RETR marks \\Seen for IMAP; default: pop3.mark_seen",
                          GET(pop3_mark_seen)),
      row<DomainTlsC, S>("tls", kOptional, "", "certificate for this domain's SNI name", GET(tls)),
      row<DomainDkimC, S>("dkim", kOptional, "",
                          "DKIM signing of the domain's outgoing mail (see docs/config.md)",
                          GET(dkim)),
      row<DomainDnsC, S>("dns", kOptional, "", "records `tegami dns-records` prints", GET(v.dns)),
      row<SeqC<StructC<AccountDoc>>, S>("accounts", kDefault, "[]", "mailboxes", GET(accounts)),
      row<SeqC<StructC<AliasDoc>>, S>("aliases", kDefault, "[]", "forwarding addresses",
                                      GET(aliases)),
      row<SeqC<StrC>, S>("catch_all", kDefault, "[]",
                         "where mail to unknown local parts goes (a bare name gets @domain); "
                         "[] = refused with 550",
                         GET(v.catch_all)),
      row<SeqC<StructC<ListDoc>>, S>("lists", kDefault, "[]", "mailing lists", GET(lists)),
  };
  return t;
}

}  // namespace tegami::config::schema::detail
