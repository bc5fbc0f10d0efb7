// The validated configuration snapshot: plain, immutable structs. Every other layer reads the
// configuration only through these types (only src/config includes yaml-cpp).
//
// A Config is built by load_config() (config/load.h), is never modified afterwards and is shared
// as std::shared_ptr<const Config>; any thread may read it. Reload builds a new snapshot and
// swaps the pointer: sessions keep the snapshot they started with.
//
// Units: sizes of mailboxes and domains are whole megabytes (1 MB = 1048576 bytes); message and
// line limits are bytes; durations are std::chrono values. All paths are absolute (relative
// paths in the files are resolved against the directory of the file that names them).
// Names (domains, local parts) are stored lower-case (ASCII); lookups fold case.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tegami::config {

enum class Protocol { kSmtp, kSubmission, kPop3, kImap };
enum class TlsMode { kNone, kStartTls, kImplicit };
enum class MailboxNameEncoding { kMutf7, kUtf8 };  // folder names on disk
// How a local delivery is made durable before the 250 (docs/smtp.md "Delivery journal").
enum class DeliverySync { kJournal, kFsync };
enum class QuotaPolicy { kOvershoot, kStrict };  // see DESIGN.md "Quota"
enum class UidlFormat { kDovecot, kCourier };    // POP3 UIDL, see FORMATS.md
enum class PostingPolicy { kAnyone, kMembers, kAdmins };
enum class ReplyToPolicy { kKeep, kList, kSender };
enum class DkimAlgorithm { kRsaSha256, kEd25519Sha256 };  // RFC 6376 / RFC 8463

// "smtp", "starttls", ... (the spelling used in the YAML files).
std::string_view to_string(Protocol value);
std::string_view to_string(TlsMode value);
std::string_view to_string(MailboxNameEncoding value);
std::string_view to_string(DeliverySync value);  // "journal", "fsync"
std::string_view to_string(QuotaPolicy value);
std::string_view to_string(UidlFormat value);
std::string_view to_string(PostingPolicy value);
std::string_view to_string(ReplyToPolicy value);
std::string_view to_string(DkimAlgorithm value);  // "rsa-sha256", "ed25519-sha256"

inline constexpr std::uint64_t kBytesPerMb = 1048576;

// An IPv4 or IPv6 network, e.g. 10.0.0.0/8 or ::1/128 (a bare address is a /32 or /128).
struct Cidr {
  int family = 0;                // AF_INET or AF_INET6
  unsigned char bytes[16] = {};  // network address, 4 or 16 bytes used
  int prefix_length = 0;
  std::string text;  // as written
  // True when `addr` (4 bytes for AF_INET, 16 for AF_INET6, network order) is inside.
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) also matches an IPv4 network.
  bool contains(int addr_family, const unsigned char* addr) const;
};

struct ServerConfig {
  std::string hostname;                                     // default: gethostname()
  std::string mail_root = "/var/lib/tegami/mail";           // <mail_root>/<domain>/<local part>/
  std::string queue_dir = "/var/lib/tegami/queue";          // outgoing queue
  std::string control_socket = "/run/tegami/control.sock";  // `tegami who|kick|reload`
  unsigned worker_loops = 0;               // default: number of cores (never 0 after load)
  std::chrono::seconds drain_timeout{30};  // SIGTERM: how long sessions may take to finish
  MailboxNameEncoding mailbox_name_encoding = MailboxNameEncoding::kMutf7;
  DeliverySync delivery_sync = DeliverySync::kJournal;
};

struct Listener {
  std::string name;  // unique, used in logs and metrics, e.g. "imaps"
  Protocol protocol = Protocol::kSmtp;
  std::string address;  // IP literal without brackets: "127.0.0.1", "::"
  std::uint16_t port = 0;
  TlsMode tls = TlsMode::kNone;
  bool allow_plaintext_auth = false;  // PLAIN/LOGIN/USER+PASS before TLS on this listener
  std::vector<Cidr> proxy_protocol;   // trusted PROXY v1/v2 sources; empty = no PROXY header
  // SMTP: wait this long before the 220 greeting; a client that talks first is an early talker
  // (554, close), as Postfix's postscreen pregreet test. Zero: greet at once, no test.
  std::chrono::milliseconds greeting_delay{0};
};

struct MetricsConfig {
  bool enabled = true;
  std::string address = "127.0.0.1";
  std::uint16_t port = 9190;
};

struct SniCertificate {
  std::vector<std::string> names;  // server names (lower-case), "*.example.com" allowed
  std::string cert_file;           // PEM chain
  std::string key_file;            // PEM key
};

struct TlsConfig {
  std::string cert_file;  // default certificate (PEM chain)
  std::string key_file;
  // When true and the default cert/key files are both missing, tegamid creates a self-signed
  // pair at those paths on start; the loader then does not report them as unreadable.
  bool self_signed_if_missing = false;
  // Chosen by SNI; includes the certificates that domains declare (names = {domain}).
  std::vector<SniCertificate> sni;
};

struct Limits {
  std::uint64_t max_message_size = 20971520;  // bytes, headers + body (SMTP SIZE)
  std::uint32_t max_line_length = 8192;       // bytes of a command line incl. CRLF
  std::uint32_t max_connections = 10000;      // all listeners together
  std::uint32_t max_connections_per_ip = 100;
  std::chrono::seconds idle_timeout{1800};             // authenticated session silent this long
  std::chrono::seconds preauth_timeout{60};            // before successful authentication
  std::uint32_t max_recipients = 1000;                 // RCPT TO per message
  std::chrono::milliseconds auth_failure_delay{2000};  // first failure
  std::chrono::milliseconds auth_failure_delay_max{15000};  // grows per IP up to this
  std::uint32_t max_auth_failures = 3;                      // per connection, then close
  std::uint64_t max_output_buffer = 1048576;                // bytes queued before reading pauses
};

struct AuthPolicy {
  bool pop_before_smtp = false;
  std::chrono::seconds pop_before_smtp_window{600};
  std::string default_password_scheme = "ARGON2ID";  // for `tegami pw` / `account add`
};

// POP3 sessions (the per-domain override of mark_seen is Domain::pop3_mark_seen).
struct Pop3Config {
  bool mark_seen = true;  // messages sent with RETR get \Seen at QUIT (IMAP shows them read)
  std::chrono::seconds idle_timeout{600};  // RFC 1939 §3: at least 10 minutes
};

// Server-wide DKIM settings (signing itself is per domain: Domain::dkim).
struct DkimConfig {
  std::string key_dir = "/var/lib/tegami/dkim";  // `tegami dkim keygen` writes keys here
  // Header fields signed when present (lower-case); empty = the signer's built-in list.
  std::vector<std::string> headers;
  std::vector<std::string> oversign = {"from"};  // signed once more than they occur
};

// A domain's DKIM key. Mail from the domain (its From: address) to remote recipients is signed
// when a selector is set.
struct DomainDkim {
  std::string selector;  // "" = the domain's mail is not signed
  DkimAlgorithm algorithm = DkimAlgorithm::kRsaSha256;
  std::string key_file;  // effective: as given, or <dkim.key_dir>/<domain>/<selector>.pem
  std::vector<std::string> headers;  // effective: as given, or dkim.headers
  bool signing() const { return !selector.empty(); }
};

// What `tegami dns-records <domain>` prints for SPF and DMARC; "" = its defaults
// ("v=spf1 mx -all"; "v=DMARC1; p=none; rua=mailto:postmaster@<domain>").
struct DomainDns {
  std::string spf;
  std::string dmarc;
};

// IMAP sessions (docs/imap.md, docs/config.md `imap:`).
struct ImapConfig {
  // Logged-in IMAP sessions of one user in this process; past it LOGIN gets NO [LIMIT].
  std::uint32_t max_sessions_per_user = 20;
  // SPECIAL-USE folders (RFC 6154) made at first login: names as IMAP shows them (UTF-8,
  // '/' as separator; Japanese names allowed, stored in modified UTF-7 on disk).
  std::string drafts = "Drafts";
  std::string sent = "Sent";
  std::string trash = "Trash";
  std::string junk = "Junk";
  std::string archive = "Archive";
};

// A relay host (smarthost) that takes all outgoing mail (of one sender domain, or of all).
struct RelayHost {
  std::string domain;  // sender domain it serves (outbound.domain_smarthosts); "" = global
  std::string host;    // name or IP literal
  std::uint16_t port = 587;
  TlsMode tls = TlsMode::kStartTls;  // starttls is required (not opportunistic) for a relay
  std::string user;                  // AUTH PLAIN/LOGIN when set
  std::string password;
  bool operator==(const RelayHost&) const = default;
};

// Remote delivery of queued mail (issue 8): the SMTP client, its DNS and the retry schedule.
struct OutboundConfig {
  bool enabled = true;         // false: remote recipients stay queued (nothing leaves)
  std::string helo_name;       // EHLO name; "" = server.hostname
  std::string dns_servers;     // "" = /etc/resolv.conf; else "ip[:port],..." ("127.0.0.1:5353")
  std::uint16_t mx_port = 25;  // port of MX hosts (tests use another)
  std::uint32_t connections_per_domain = 4;  // per destination (domain or relay)
  std::chrono::seconds retry_first{300};     // first retry after a temporary failure
  std::chrono::seconds retry_max{14400};     // the interval doubles up to this
  std::chrono::seconds delay_notice{14400};  // "delayed" DSN this long after queueing; 0 = never
  std::chrono::seconds expire{432000};       // then bounce (5 days)
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds command_timeout{300000};  // greeting, EHLO, MAIL, RCPT (RFC 5321: 5 m)
  std::chrono::milliseconds data_timeout{600000};     // final reply after the body (10 m)
  std::optional<RelayHost> smarthost;                 // every message, unless below
  std::vector<RelayHost> domain_smarthosts;           // by the sender's domain
  bool operator==(const OutboundConfig&) const = default;
};

struct Plan {
  std::string name;
  std::uint64_t mailbox_quota_mb = 50;     // default quota of a new account
  std::uint64_t max_mailbox_quota_mb = 0;  // highest quota an account may get; 0 = no limit
  QuotaPolicy quota_policy = QuotaPolicy::kOvershoot;
  // Protocols the domain's users may log in with; a plan that does not say allows all four.
  std::vector<Protocol> protocols = {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3,
                                     Protocol::kImap};
  // A delivery that takes a mailbox past this % of its quota puts a warning into its INBOX
  // (at most once per 24 h); 0 = no warnings.
  std::uint32_t quota_warning_percent = 90;
  bool allows(Protocol p) const;
};

struct Account {
  std::string local_part;      // lower-case
  std::string password_hash;   // "{SCHEME}..." (Dovecot form); empty = cannot log in
  std::uint64_t quota_mb = 0;  // effective: the file's value or the plan's default
  std::string display_name;
  bool enabled = true;
  std::vector<std::string> aliases;  // further local parts delivering to this account
};

// A domain-level alias: mail to local_part@domain goes to the target addresses.
struct Alias {
  std::string local_part;
  std::vector<std::string> targets;  // full addresses (a bare local part gets @domain)
};

struct ListMember {
  std::string address;  // full address; may be another list (nesting)
  std::string comment;  // free text: name, company
};

struct MailingList {
  std::string local_part;
  std::vector<ListMember> members;
  std::vector<std::string> admins;           // addresses, each must be a member
  std::string subject_tag;                   // empty = no tag
  std::string subject_format = "[%t:%05n]";  // %t tag, %n serial (printf width allowed), %% percent
  PostingPolicy posting = PostingPolicy::kMembers;
  ReplyToPolicy reply_to = ReplyToPolicy::kKeep;
  bool archive = false;  // keep a copy of each post in the list's own Maildir
  // Rewrite From: to the list's address when the poster's domain publishes a DMARC policy of
  // reject or quarantine (Mailman's munge_from); the original From: goes to Reply-To.
  bool munge_from = false;
  // Permanent bounces after which a member is disabled (posts skip it); 0 = never.
  std::uint32_t bounce_limit = 5;
};

struct Domain {
  std::string name;                        // lower-case
  std::string plan = "standard";           // name of an entry of Config::plans
  std::uint32_t max_accounts = 200;        // the contract's "max IDs" (number of accounts)
  std::uint64_t disk_quota_mb = 0;         // contracted capacity; 0 = none (no sum warning)
  std::uint32_t max_lists = 0;             // effective: override or min(max_accounts / 2, 500)
  std::uint32_t max_imap_connections = 0;  // effective: override or min(max_accounts / 2, 500)
  UidlFormat uidl_format = UidlFormat::kDovecot;
  bool pop3_mark_seen = true;  // effective: override or Pop3Config::mark_seen
  DomainDkim dkim;
  DomainDns dns;
  std::vector<Account> accounts;
  std::vector<Alias> aliases;
  // Catch-all: mail to an unknown local part goes to these addresses (full addresses, local
  // accounts and/or external); empty = unknown users get 550 5.1.1.
  std::vector<std::string> catch_all;
  std::vector<MailingList> lists;
  std::string source_file;  // the file that declares the domain (account edits)
};

// What an address delivers to. Pointers point into the Config it came from.
struct AddressTarget {
  enum class Kind { kNone, kAccount, kList, kAlias };
  Kind kind = Kind::kNone;
  const Domain* domain = nullptr;
  const Account* account = nullptr;   // kAccount (also via an account's own alias)
  const MailingList* list = nullptr;  // kList
  const Alias* alias = nullptr;       // kAlias: deliver to alias->targets
};

struct Config {
  ServerConfig server;
  std::vector<Listener> listeners;
  MetricsConfig metrics;
  TlsConfig tls;
  Limits limits;
  AuthPolicy auth;
  Pop3Config pop3;
  DkimConfig dkim;
  ImapConfig imap;
  OutboundConfig outbound;
  std::vector<Plan> plans;  // built-ins (basic, standard, secure, premium) unless
                            // the file defines `plans:`
  std::vector<Domain> domains;
  std::string main_file;           // absolute path of the main file
  std::string domains_dir;         // absolute; may not exist
  std::vector<std::string> files;  // every file read (main + domain files), for inotify

  // Case-insensitive; nullptr when unknown.
  const Domain* find_domain(std::string_view name) const;
  const Plan* find_plan(std::string_view name) const;
  // The plan of a domain (always found in a loaded Config).
  const Plan& plan_of(const Domain& domain) const;
  // Account for a login name "local@domain" (case-insensitive; no alias or +detail
  // resolution: logins use the real address). nullptr when unknown.
  const Account* find_account(std::string_view address, const Domain** domain = nullptr) const;
  // Where mail to `address` goes: exact account, account alias, domain alias, list; then the
  // same with a "+detail" suffix of the local part removed ("alice+news" -> "alice").
  AddressTarget resolve(std::string_view address) const;
  // <mail_root>/<domain>/<local part>
  std::string maildir_path(const Domain& domain, const Account& account) const;
};

}  // namespace tegami::config
