// The key tables of the main file: server, listeners, TLS, limits, protocols, outbound, DKIM
// defaults, and the top level (schema_codecs.h has the machinery).
#include "config/schema_codecs.h"

namespace tegami::config::schema::detail {

template <>
const std::vector<Field<ServerConfig>>& fields() {
  using S = ServerConfig;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("hostname", kOptional, "mail.example.com",
                   "name in greetings, Received: lines and Maildir unique names (default: the "
                   "system host name)",
                   GET(hostname)),
      row<PathC, S>("mail_root", kDefault, "/var/lib/tegami/mail",
                    "mailboxes live in <mail_root>/<domain>/<user>/ (Maildir++)", GET(mail_root)),
      row<PathC, S>("queue_dir", kDefault, "/var/lib/tegami/queue", "outgoing mail queue",
                    GET(queue_dir)),
      row<PathC, S>("control_socket", kDefault, "/run/tegami/control.sock",
                    "local socket of `tegami who|kick|reload`", GET(control_socket)),
      row<UIntC<unsigned>, S>("worker_loops", kDefault, "0",
                              "event-loop threads; 0 = number of cores", GET(worker_loops)),
      row<SecondsC, S>("drain_timeout", kDefault, "30s",
                       "on SIGTERM, how long running sessions may take to finish",
                       GET(drain_timeout)),
      row<EnumC<MailboxNameEncoding>, S>(
          "mailbox_name_encoding", kDefault, "mutf7",
          "folder names on disk: mutf7 (Dovecot) or utf8 (Courier); fixed at creation",
          GET(mailbox_name_encoding)),
      row<EnumC<DeliverySync>, S>(
          "delivery_sync", kDefault, "journal",
          "journal: local deliveries share one flush of <queue_dir>/journal (group commit); "
          "fsync: each message file and new/ fsync'ed",
          GET(delivery_sync)),
  };
  return t;
}

template <>
const std::vector<Field<ListenerDoc>>& fields() {
  using S = ListenerDoc;
  static const std::vector<Field<S>> t = {
      row<StrC, S>("name", kRequired, "imaps", "unique name used in logs and metrics", GET(v.name)),
      row<EnumC<Protocol>, S>("protocol", kRequired, "imap", "smtp, submission, pop3 or imap",
                              GET(v.protocol)),
      listen_row<S>("127.0.0.1:993", "IP:port to listen on; [::]:993 for all IPv6+IPv4", kRequired,
                    [](S& s) { return std::tie(s.v.address, s.v.port); }),
      row<EnumC<TlsMode>, S>("tls", kDefault, "none", "none, starttls or implicit", GET(v.tls)),
      row<BoolC, S>("allow_plaintext_auth", kDefault, "false",
                    "allow PLAIN/LOGIN/USER+PASS before TLS on this listener",
                    GET(v.allow_plaintext_auth)),
      row<SeqC<CidrC>, S>("proxy_protocol", kDefault, "[]",
                          "sources trusted to send a HAProxy PROXY v1/v2 header (CIDRs)",
                          GET(v.proxy_protocol)),
      row<MillisC, S>("greeting_delay", kDefault, "0ms",
                      "smtp: wait this long before the greeting; a client talking first gets "
                      "554 (early talker); 0 = greet at once",
                      GET(v.greeting_delay)),
  };
  return t;
}

template <>
const std::vector<Field<MetricsConfig>>& fields() {
  using S = MetricsConfig;
  static const std::vector<Field<S>> t = {
      row<BoolC, S>("enabled", kDefault, "true", "serve Prometheus metrics over HTTP",
                    GET(enabled)),
      listen_row<S>("127.0.0.1:9190", "IP:port of the metrics HTTP listener", kDefault,
                    [](S& s) { return std::tie(s.address, s.port); }),
  };
  return t;
}

template <>
const std::vector<Field<SniDoc>>& fields() {
  using S = SniDoc;
  static const std::vector<Field<S>> t = {
      row<SeqC<StrC>, S>("names", kRequired, "[mail.example.org]",
                         "server names (SNI) this certificate is for", GET(v.names)),
      row<PathC, S>("cert", kRequired, "/etc/tegami/tls/example.org.pem", "PEM certificate chain",
                    GET(v.cert_file)),
      row<PathC, S>("key", kRequired, "/etc/tegami/tls/example.org.key", "PEM private key",
                    GET(v.key_file)),
  };
  return t;
}

template <>
const std::vector<Field<TlsDoc>>& fields() {
  using S = TlsDoc;
  static const std::vector<Field<S>> t = {
      row<PathC, S>("cert", kOptional, "/etc/tegami/tls/cert.pem",
                    "default PEM certificate chain (required when a listener uses TLS)",
                    GET(v.cert_file)),
      row<PathC, S>("key", kOptional, "/etc/tegami/tls/key.pem", "default PEM private key",
                    GET(v.key_file)),
      row<BoolC, S>("self_signed_if_missing", kDefault, "false",
                    "create a self-signed cert/key at those paths on start if both are missing",
                    GET(v.self_signed_if_missing)),
      row<SeqC<StructC<SniDoc>>, S>("sni", kDefault, "[]",
                                    "more certificates, chosen by the client's SNI name", GET(sni)),
  };
  return t;
}

template <>
const std::vector<Field<Limits>>& fields() {
  using S = Limits;
  static const std::vector<Field<S>> t = {
      row<BytesC, S>("max_message_size", kDefault, "20971520",
                     "bytes of one message, headers and body (20 MB)", GET(max_message_size)),
      row<UIntC<std::uint32_t>, S>("max_line_length", kDefault, "8192",
                                   "bytes of a protocol command line", GET(max_line_length)),
      row<UIntC<std::uint32_t>, S>("max_connections", kDefault, "10000",
                                   "connections over all listeners", GET(max_connections)),
      row<UIntC<std::uint32_t>, S>("max_connections_per_ip", kDefault, "100",
                                   "connections from one client address",
                                   GET(max_connections_per_ip)),
      row<SecondsC, S>("idle_timeout", kDefault, "1800s", "close a silent logged-in session",
                       GET(idle_timeout)),
      row<SecondsC, S>("preauth_timeout", kDefault, "60s", "close a session that has not logged in",
                       GET(preauth_timeout)),
      row<UIntC<std::uint32_t>, S>("max_recipients", kDefault, "1000", "RCPT TO per message",
                                   GET(max_recipients)),
      row<MillisC, S>("auth_failure_delay", kDefault, "2000ms",
                      "delay before answering a failed login", GET(auth_failure_delay)),
      row<MillisC, S>("auth_failure_delay_max", kDefault, "15000ms",
                      "the delay grows per client address up to this", GET(auth_failure_delay_max)),
      row<UIntC<std::uint32_t>, S>("max_auth_failures", kDefault, "3",
                                   "failed logins per connection before it is closed",
                                   GET(max_auth_failures)),
      row<BytesC, S>("max_output_buffer", kDefault, "1048576",
                     "bytes queued to a client before reading from it pauses",
                     GET(max_output_buffer)),
  };
  return t;
}

template <>
const std::vector<Field<AuthPolicy>>& fields() {
  using S = AuthPolicy;
  static const std::vector<Field<S>> t = {
      row<BoolC, S>("pop_before_smtp", kDefault, "false",
                    "a POP3/IMAP login lets that IP relay through port 25 for a while",
                    GET(pop_before_smtp)),
      row<SecondsC, S>("pop_before_smtp_window", kDefault, "600s",
                       "how long a POP-before-SMTP login counts", GET(pop_before_smtp_window)),
      row<StrC, S>("default_password_scheme", kDefault, "ARGON2ID",
                   "scheme of new hashes: ARGON2ID, SHA512-CRYPT, BLF-CRYPT or CRYPT",
                   GET(default_password_scheme)),
  };
  return t;
}

template <>
const std::vector<Field<Pop3Config>>& fields() {
  using S = Pop3Config;
  static const std::vector<Field<S>> t = {
      row<BoolC, S>("mark_seen", kDefault, "true",
                    "RETR marks the message \\Seen for IMAP (domains may override)",
                    GET(mark_seen)),
      row<SecondsC, S>("idle_timeout", kDefault, "600s",
                       "close a silent POP3 session (RFC 1939: at least 10 minutes)",
                       GET(idle_timeout)),
  };
  return t;
}

// The rows of a relay host, shared by outbound.smarthost and outbound.domain_smarthosts.
template <class S>
std::vector<Field<S>> relay_rows() {
  return {
      row<StrC, S>("host", kRequired, "smtp.provider.net", "relay host name or IP", GET(v.host)),
      row<UIntC<std::uint16_t>, S>("port", kDefault, "587", "relay port (465 with implicit)",
                                   GET(v.port)),
      row<EnumC<TlsMode>, S>("tls", kDefault, "starttls",
                             "starttls (required), implicit (TLS from the start) or none",
                             GET(v.tls)),
      row<OptStrC, S>("user", kOptional, "relay-user", "AUTH user name; empty = no AUTH",
                      GET(v.user)),
      row<SecretC, S>("password", kOptional, "relay-secret",
                      "AUTH password (shown as \"********\" by `tegami config dump`)",
                      GET(v.password)),
  };
}

template <>
const std::vector<Field<RelayDoc>>& fields() {
  static const std::vector<Field<RelayDoc>> t = relay_rows<RelayDoc>();
  return t;
}

template <>
const std::vector<Field<DomainRelayDoc>>& fields() {
  using S = DomainRelayDoc;
  static const std::vector<Field<S>> t = [] {
    std::vector<Field<S>> rows = {row<StrC, S>("domain", kRequired, "example.com",
                                               "sender domain whose mail takes this relay",
                                               GET(v.domain))};
    for (auto& r : relay_rows<S>()) rows.push_back(std::move(r));
    return rows;
  }();
  return t;
}

template <>
const std::vector<Field<OutboundDoc>>& fields() {
  using S = OutboundDoc;
  static const std::vector<Field<S>> t = {
      row<BoolC, S>("enabled", kDefault, "true",
                    "deliver mail to remote servers (false: it stays queued)", GET(v.enabled)),
      row<OptStrC, S>("helo_name", kOptional, "mail.example.com",
                      "name sent with EHLO (default: server.hostname)", GET(v.helo_name)),
      row<OptStrC, S>("dns_servers", kOptional, "\"127.0.0.1:53,[::1]:53\"",
                      "DNS servers for MX/A/AAAA lookups (default: /etc/resolv.conf)",
                      GET(v.dns_servers)),
      row<UIntC<std::uint16_t>, S>("mx_port", kDefault, "25", "port of the MX hosts",
                                   GET(v.mx_port)),
      row<UIntC<std::uint32_t>, S>("connections_per_domain", kDefault, "4",
                                   "connections at once to one destination domain (or relay)",
                                   GET(v.connections_per_domain)),
      row<SecondsC, S>("retry_first", kDefault, "300s",
                       "wait after the first temporary failure; doubles per attempt",
                       GET(v.retry_first)),
      row<SecondsC, S>("retry_max", kDefault, "14400s", "longest wait between two attempts",
                       GET(v.retry_max)),
      row<SecondsC, S>("delay_notice", kDefault, "14400s",
                       "send a \"delayed\" DSN when still undelivered this long after queueing "
                       "(when NOTIFY allows); 0 = never",
                       GET(v.delay_notice)),
      row<SecondsC, S>("expire", kDefault, "432000s",
                       "bounce what is still undelivered this long after queueing (5 days)",
                       GET(v.expire)),
      row<MillisC, S>("connect_timeout", kDefault, "30000ms", "TCP connect (and TLS) timeout",
                      GET(v.connect_timeout)),
      row<MillisC, S>("command_timeout", kDefault, "300000ms",
                      "wait for the greeting and each reply (RFC 5321: 5 minutes)",
                      GET(v.command_timeout)),
      row<MillisC, S>("data_timeout", kDefault, "600000ms",
                      "wait for the reply after the message body (RFC 5321: 10 minutes)",
                      GET(v.data_timeout)),
      row<OptC<StructC<RelayDoc>>, S>("smarthost", kOptional, "",
                                      "relay all outgoing mail through this host", GET(smarthost)),
      row<SeqC<StructC<DomainRelayDoc>>, S>(
          "domain_smarthosts", kDefault, "[]",
          "relays by sender domain (take precedence over smarthost)", GET(domain_smarthosts)),
  };
  return t;
}

template <>
const std::vector<Field<ImapConfig>>& fields() {
  using S = ImapConfig;
  static const std::vector<Field<S>> t = {
      row<UIntC<std::uint32_t>, S>("max_sessions_per_user", kDefault, "20",
                                   "logged-in IMAP sessions of one user; more get NO [LIMIT]",
                                   GET(max_sessions_per_user)),
      row<StrC, S>("drafts", kDefault, "Drafts", "\\Drafts folder made at first login",
                   GET(drafts)),
      row<StrC, S>("sent", kDefault, "Sent", "\\Sent folder (e.g. \"送信済みアイテム\")",
                   GET(sent)),
      row<StrC, S>("trash", kDefault, "Trash", "\\Trash folder", GET(trash)),
      row<StrC, S>("junk", kDefault, "Junk", "\\Junk folder", GET(junk)),
      row<StrC, S>("archive", kDefault, "Archive", "\\Archive folder", GET(archive)),
  };
  return t;
}

template <>
const std::vector<Field<DkimConfig>>& fields() {
  using S = DkimConfig;
  static const std::vector<Field<S>> t = {
      row<PathC, S>("key_dir", kDefault, "/var/lib/tegami/dkim",
                    "`tegami dkim keygen` writes <key_dir>/<domain>/<selector>.pem", GET(key_dir)),
      row<SeqC<StrC>, S>("headers", kOptional,
                         "[from, to, cc, subject, date, message-id, mime-version, content-type]",
                         "header fields signed when present; default: From To Cc Subject Date "
                         "Message-ID MIME-Version Content-Type Content-Transfer-Encoding "
                         "Reply-To In-Reply-To References List-Id List-Unsubscribe",
                         GET(headers)),
      row<SeqC<StrC>, S>("oversign", kDefault, "[from]",
                         "fields signed once more than present, so none can be added",
                         GET(oversign)),
  };
  return t;
}

template <>
const std::vector<Field<MainDoc>>& fields() {
  using S = MainDoc;
  static const std::vector<Field<S>> t = {
      row<StructC<ServerConfig>, S>("server", kDefault, "", "the machine", GET(server)),
      row<SeqC<StructC<ListenerDoc>>, S>("listeners", kDefault, "[]", "sockets to serve",
                                         GET(listeners)),
      row<StructC<MetricsConfig>, S>("metrics", kDefault, "", "Prometheus endpoint", GET(metrics)),
      row<StructC<TlsDoc>, S>("tls", kDefault, "", "certificates", GET(tls)),
      row<StructC<Limits>, S>("limits", kDefault, "", "limits of every session", GET(limits)),
      row<StructC<AuthPolicy>, S>("auth", kDefault, "", "authentication policy", GET(auth)),
      row<StructC<Pop3Config>, S>("pop3", kDefault, "", "POP3 sessions", GET(pop3)),
      row<StructC<DkimConfig>, S>("dkim", kDefault, "", "DKIM signing (keys are per domain)",
                                  GET(dkim)),
      row<StructC<ImapConfig>, S>("imap", kDefault, "", "IMAP sessions", GET(imap)),
      row<StructC<OutboundDoc>, S>("outbound", kDefault, "",
                                   "delivery to remote servers, retries and relays", GET(outbound)),
      row<OptC<SeqC<StructC<PlanDoc>>>, S>(
          "plans", kOptional, "",
          "replaces the built-in plans basic (20 MB, up to 50 MB), standard, secure, premium "
          "(50 MB)",
          GET(plans)),
      row<OptC<PathC>, S>("domains_dir", kOptional, "domains",
                          "every *.yaml here is one domain (default: domains/ next to this "
                          "file; \"\" = none)",
                          GET(domains_dir)),
      row<SeqC<StructC<DomainDoc>>, S>("domains", kDefault, "[]",
                                       "domains declared in this file (same keys as a domain "
                                       "file)",
                                       GET(domains)),
  };
  return t;
}

}  // namespace tegami::config::schema::detail
