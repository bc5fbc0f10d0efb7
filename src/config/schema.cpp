// The key table: one row per key of every section, and the generic machinery that parses,
// emits and documents a section from its rows. Validation across keys lives in load.cpp.
#include "config/schema.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <filesystem>
#include <set>

#include "config/quantity.h"

namespace tegami::config::schema {

Pos pos_of(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

void Ctx::error(Pos pos, std::string message) const {
  errors->push_back(Diagnostic{file, pos.line, pos.column, std::move(message)});
}

namespace {

// ---- rows -----------------------------------------------------------------------------------

template <class S>
struct Field {
  std::string_view key;
  std::string_view sample;  // YAML text shown in the example
  bool sample_is_default = false;
  bool required = false;
  std::string_view doc;
  std::function<bool(Ctx&, const YAML::Node&, S&)> parse;
  std::function<bool(const S&)> present;
  std::function<void(YAML::Emitter&, const S&)> emit;
  std::function<void(std::string&, int)> example;  // nested section; null for a scalar
};

template <class S>
const std::vector<Field<S>>& fields();

enum Kind { kDefault, kRequired, kOptional };  // the sample is the default / required / neither

template <class C, class S, class Get>
Field<S> row(std::string_view key, Kind kind, std::string_view sample, std::string_view doc,
             Get get) {
  Field<S> f;
  f.key = key;
  f.sample = sample;
  f.sample_is_default = kind == kDefault;
  f.required = kind == kRequired;
  f.doc = doc;
  f.parse = [get](Ctx& c, const YAML::Node& n, S& s) { return C::parse(c, n, get(s)); };
  f.present = [get](const S& s) { return C::present(get(s)); };
  f.emit = [get](YAML::Emitter& e, const S& s) { C::emit(e, get(s)); };
  f.example = C::example();
  return f;
}

#define GET(expr)        \
  [](auto& s) -> auto& { \
    return s.expr;       \
  }

// ---- codecs ---------------------------------------------------------------------------------

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an undefined value";
  }
}

bool get_scalar(Ctx& c, const YAML::Node& n, std::string& out, std::string_view expected) {
  if (!n.IsScalar()) {
    c.error(pos_of(n), "expected " + std::string(expected) + ", got " + node_kind(n));
    return false;
  }
  out = n.Scalar();
  return true;
}

template <class T>
struct Base {
  using Value = T;
  static bool present(const T&) { return true; }
  static std::function<void(std::string&, int)> example() { return nullptr; }
};

struct StrC : Base<std::string> {
  static bool parse(Ctx& c, const YAML::Node& n, std::string& v) {
    return get_scalar(c, n, v, "a string");
  }
  static void emit(YAML::Emitter& e, const std::string& v) { e << v; }
};

struct OptStrC : StrC {  // emitted only when not empty
  static bool present(const std::string& v) { return !v.empty(); }
};

// A secret (a relay's AUTH password): loaded like any string, never printed. The dump shows
// "********" so that `tegami config dump` output can be shared without leaking it; the dump
// stays loadable, and the admin puts the real secret back when reusing it as a config.
struct SecretC : OptStrC {
  static constexpr const char* kMask = "********";
  static void emit(YAML::Emitter& e, const std::string&) { e << YAML::DoubleQuoted << kMask; }
};

struct PathC : OptStrC {
  static bool parse(Ctx& c, const YAML::Node& n, std::string& v) {
    if (!get_scalar(c, n, v, "a path")) return false;
    if (!v.empty() && v[0] != '/') {
      v = std::filesystem::path(c.dir + "/" + v).lexically_normal().string();
    }
    return true;
  }
};

struct BoolC : Base<bool> {
  static bool parse(Ctx& c, const YAML::Node& n, bool& v) {
    std::string s;
    if (!get_scalar(c, n, s, "true or false")) return false;
    if (!YAML::convert<bool>::decode(n, v)) {
      c.error(pos_of(n), "expected true or false, got '" + s + "'");
      return false;
    }
    return true;
  }
  static void emit(YAML::Emitter& e, bool v) { e << (v ? "true" : "false"); }
};

bool parse_uint(Ctx& c, const YAML::Node& n, std::uint64_t max, std::uint64_t& v) {
  std::string s;
  if (!get_scalar(c, n, s, "a whole number")) return false;
  bool digits = !s.empty() && s.size() <= 19;
  for (char ch : s) digits = digits && ch >= '0' && ch <= '9';
  if (!digits || std::stoull(s) > max) {
    c.error(pos_of(n),
            "expected a whole number from 0 to " + std::to_string(max) + ", got '" + s + "'");
    return false;
  }
  v = std::stoull(s);
  return true;
}

template <class T>
struct UIntC : Base<T> {
  static bool parse(Ctx& c, const YAML::Node& n, T& v) {
    std::uint64_t x = 0;
    if (!parse_uint(c, n, std::numeric_limits<T>::max(), x)) return false;
    v = static_cast<T>(x);
    return true;
  }
  static void emit(YAML::Emitter& e, T v) { e << static_cast<std::uint64_t>(v); }
};

struct MbC : Base<std::uint64_t> {
  static bool parse(Ctx& c, const YAML::Node& n, std::uint64_t& v) {
    std::string s;
    if (!get_scalar(c, n, s, "a size in MB")) return false;
    auto mb = parse_megabytes(s);
    if (!mb) {
      c.error(pos_of(n), "expected a whole number of MB (e.g. 50, 50MB, 5GB), got '" + s + "'");
      return false;
    }
    v = *mb;
    return true;
  }
  static void emit(YAML::Emitter& e, std::uint64_t v) { e << v; }
};

struct BytesC : Base<std::uint64_t> {
  static bool parse(Ctx& c, const YAML::Node& n, std::uint64_t& v) {
    std::string s;
    if (!get_scalar(c, n, s, "a size in bytes")) return false;
    auto b = parse_bytes(s);
    if (!b) {
      c.error(pos_of(n), "expected a whole number of bytes (e.g. 20971520, 20MB), got '" + s + "'");
      return false;
    }
    v = *b;
    return true;
  }
  static void emit(YAML::Emitter& e, std::uint64_t v) { e << v; }
};

template <class D, std::int64_t kBareMs, const char* kSuffix>
struct DurationC : Base<D> {
  static bool parse(Ctx& c, const YAML::Node& n, D& v) {
    std::string s;
    if (!get_scalar(c, n, s, "a duration")) return false;
    auto ms = parse_duration(s, kBareMs);
    if (!ms ||
        ms->count() % (std::chrono::duration_cast<std::chrono::milliseconds>(D(1)).count()) != 0) {
      c.error(pos_of(n),
              std::string("expected a duration (e.g. 30") + kSuffix + ", 5m, 1h), got '" + s + "'");
      return false;
    }
    v = std::chrono::duration_cast<D>(*ms);
    return true;
  }
  static void emit(YAML::Emitter& e, const D& v) { e << std::to_string(v.count()) + kSuffix; }
};
constexpr char kS[] = "s";
constexpr char kMs[] = "ms";
using SecondsC = DurationC<std::chrono::seconds, 1000, kS>;
using MillisC = DurationC<std::chrono::milliseconds, 1, kMs>;

std::vector<Protocol> all_values(Protocol) {
  return {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3, Protocol::kImap};
}
std::vector<TlsMode> all_values(TlsMode) {
  return {TlsMode::kNone, TlsMode::kStartTls, TlsMode::kImplicit};
}
std::vector<MailboxNameEncoding> all_values(MailboxNameEncoding) {
  return {MailboxNameEncoding::kMutf7, MailboxNameEncoding::kUtf8};
}
std::vector<QuotaPolicy> all_values(QuotaPolicy) {
  return {QuotaPolicy::kOvershoot, QuotaPolicy::kStrict};
}
std::vector<UidlFormat> all_values(UidlFormat) {
  return {UidlFormat::kDovecot, UidlFormat::kCourier};
}
std::vector<PostingPolicy> all_values(PostingPolicy) {
  return {PostingPolicy::kAnyone, PostingPolicy::kMembers, PostingPolicy::kAdmins};
}
std::vector<DkimAlgorithm> all_values(DkimAlgorithm) {
  return {DkimAlgorithm::kRsaSha256, DkimAlgorithm::kEd25519Sha256};
}
std::vector<ReplyToPolicy> all_values(ReplyToPolicy) {
  return {ReplyToPolicy::kKeep, ReplyToPolicy::kList, ReplyToPolicy::kSender};
}

template <class E>
struct EnumC : Base<E> {
  static bool parse(Ctx& c, const YAML::Node& n, E& v) {
    std::string s;
    std::string names;
    for (E x : all_values(E{})) names += (names.empty() ? "" : ", ") + std::string(to_string(x));
    if (!get_scalar(c, n, s, "one of " + names)) return false;
    for (E x : all_values(E{})) {
      if (to_string(x) == s) {
        v = x;
        return true;
      }
    }
    c.error(pos_of(n), "expected one of " + names + ", got '" + s + "'");
    return false;
  }
  static void emit(YAML::Emitter& e, E v) { e << std::string(to_string(v)); }
};

struct CidrC : Base<Cidr> {
  static bool parse(Ctx& c, const YAML::Node& n, Cidr& v) {
    std::string s;
    if (!get_scalar(c, n, s, "an address or network (CIDR)")) return false;
    v = Cidr{};
    v.text = s;
    std::string addr = s;
    int prefix = -1;
    if (size_t slash = s.find('/'); slash != std::string::npos) {
      addr = s.substr(0, slash);
      std::string p = s.substr(slash + 1);
      bool digits = !p.empty() && p.size() <= 3;
      for (char ch : p) digits = digits && ch >= '0' && ch <= '9';
      prefix = digits ? std::stoi(p) : 999;
    }
    if (inet_pton(AF_INET, addr.c_str(), v.bytes) == 1) {
      v.family = AF_INET;
      v.prefix_length = prefix < 0 ? 32 : prefix;
    } else if (inet_pton(AF_INET6, addr.c_str(), v.bytes) == 1) {
      v.family = AF_INET6;
      v.prefix_length = prefix < 0 ? 128 : prefix;
    }
    if (v.family == 0 || v.prefix_length > (v.family == AF_INET ? 32 : 128)) {
      c.error(pos_of(n), "expected an IP address or network like 10.0.0.0/8, got '" + s + "'");
      return false;
    }
    return true;
  }
  static void emit(YAML::Emitter& e, const Cidr& v) { e << v.text; }
};

template <class S>
bool parse_struct(Ctx& c, const YAML::Node& n, S& out);
template <class S>
void emit_struct(YAML::Emitter& e, const S& s);
template <class S>
void example_struct(std::string& out, int indent);

template <class S>
struct StructC : Base<S> {
  static bool parse(Ctx& c, const YAML::Node& n, S& v) { return parse_struct(c, n, v); }
  static void emit(YAML::Emitter& e, const S& v) { emit_struct(e, v); }
  static std::function<void(std::string&, int)> example() { return &example_struct<S>; }
};

template <class C>
struct SeqC : Base<std::vector<typename C::Value>> {
  using T = std::vector<typename C::Value>;
  static bool parse(Ctx& c, const YAML::Node& n, T& v) {
    v.clear();
    if (n.IsNull()) return true;
    if (!n.IsSequence()) {
      c.error(pos_of(n), std::string("expected a list, got ") + node_kind(n));
      return false;
    }
    bool ok = true;
    for (const YAML::Node& item : n) {
      v.emplace_back();
      ok = C::parse(c, item, v.back()) && ok;
    }
    return ok;
  }
  static bool present(const T&) { return true; }
  static void emit(YAML::Emitter& e, const T& v) {
    if (v.empty()) {
      e << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    if (!C::example()) e << YAML::Flow;  // short lists of scalars on one line
    e << YAML::BeginSeq;
    for (const auto& x : v) C::emit(e, x);
    e << YAML::EndSeq;
  }
  static std::function<void(std::string&, int)> example() {
    auto inner = C::example();
    if (!inner) return nullptr;
    return [inner](std::string& out, int indent) {
      std::string item;
      inner(item, indent + 2);
      // "- " takes the place of the first line's indentation.
      out += std::string(static_cast<size_t>(indent), ' ') + "- " +
             item.substr(static_cast<size_t>(indent) + 2);
    };
  }
};

template <class C>
struct OptC : Base<std::optional<typename C::Value>> {
  using T = std::optional<typename C::Value>;
  static bool parse(Ctx& c, const YAML::Node& n, T& v) {
    v.emplace();
    return C::parse(c, n, *v);
  }
  static bool present(const T& v) { return v.has_value(); }
  static void emit(YAML::Emitter& e, const T& v) { C::emit(e, *v); }
  static std::function<void(std::string&, int)> example() { return C::example(); }
};

// A list member: "addr" or {address: addr, comment: text}.
struct MemberC : Base<ListMember> {
  static bool parse(Ctx& c, const YAML::Node& n, ListMember& v) {
    if (n.IsScalar()) {
      v.address = n.Scalar();
      return true;
    }
    return parse_struct(c, n, v);
  }
  static void emit(YAML::Emitter& e, const ListMember& v) {
    if (v.comment.empty()) {
      e << v.address;
    } else {
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "address" << YAML::Value << v.address
        << YAML::Key << "comment" << YAML::Value << v.comment << YAML::EndMap;
    }
  }
};

// "host:port", "[v6]:port" or ":port" (all addresses).
bool parse_listen(Ctx& c, const YAML::Node& n, std::string& address, std::uint16_t& port) {
  std::string s;
  if (!get_scalar(c, n, s, "address:port")) return false;
  size_t colon = s.rfind(':');
  std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
  std::string p = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    host = "!";  // an IPv6 address must be bracketed
  }
  if (host.empty()) host = "::";
  unsigned char buf[16];
  bool host_ok =
      inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
  bool digits = !p.empty() && p.size() <= 5;
  for (char ch : p) digits = digits && ch >= '0' && ch <= '9';
  if (!host_ok || !digits || std::stoul(p) == 0 || std::stoul(p) > 65535) {
    c.error(pos_of(n), "expected IP:port like 127.0.0.1:143 or [::1]:143, got '" + s + "'");
    return false;
  }
  address = host;
  port = static_cast<std::uint16_t>(std::stoul(p));
  return true;
}

std::string listen_text(const std::string& address, std::uint16_t port) {
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

template <class S, class Get>
Field<S> listen_row(std::string_view sample, std::string_view doc, Kind kind, Get get) {
  Field<S> f;
  f.key = "listen";
  f.sample = sample;
  f.sample_is_default = kind == kDefault;
  f.required = kind == kRequired;
  f.doc = doc;
  f.parse = [get](Ctx& c, const YAML::Node& n, S& s) {
    auto [addr, port] = get(s);
    return parse_listen(c, n, addr, port);
  };
  f.present = [](const S&) { return true; };
  f.emit = [get](YAML::Emitter& e, const S& s) {
    auto [addr, port] = get(const_cast<S&>(s));
    e << listen_text(addr, port);
  };
  return f;
}

// ---- the tables -----------------------------------------------------------------------------

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

// ---- generic section machinery --------------------------------------------------------------

template <class S>
bool parse_struct(Ctx& c, const YAML::Node& n, S& out) {
  constexpr bool kHasPos = requires {
    out.keys;
  };
  if constexpr (kHasPos) out.keys.self = pos_of(n);
  if (n.IsNull()) {
    n.IsNull();
  } else if (!n.IsMap()) {
    c.error(pos_of(n), std::string("expected a mapping, got ") + node_kind(n));
    return false;
  }
  const auto& table = fields<S>();
  bool ok = true;
  std::set<std::string, std::less<>> seen;
  if (n.IsMap()) {
    for (const auto& kv : n) {
      const YAML::Node& key = kv.first;
      if (!key.IsScalar()) {
        c.error(pos_of(key), "expected a key name");
        ok = false;
        continue;
      }
      const std::string& name = key.Scalar();
      const Field<S>* f = nullptr;
      for (const auto& row : table) {
        if (row.key == name) f = &row;
      }
      if (f == nullptr) {
        std::string known;
        for (const auto& row : table) known += (known.empty() ? "" : ", ") + std::string(row.key);
        c.error(pos_of(key), "unknown key '" + name + "' (expected one of: " + known + ")");
        ok = false;
        continue;
      }
      if (!seen.insert(name).second) {
        c.error(pos_of(key), "duplicate key '" + name + "'");
        ok = false;
        continue;
      }
      Pos vp = pos_of(kv.second);
      if constexpr (kHasPos) out.keys.keys[name] = vp.line != 0 ? vp : pos_of(key);
      ok = f->parse(c, kv.second, out) && ok;
    }
  }
  for (const auto& row : table) {
    if (row.required && seen.count(row.key) == 0) {
      c.error(pos_of(n), "missing key '" + std::string(row.key) + "'");
      ok = false;
    }
  }
  return ok;
}

template <class S>
void emit_struct(YAML::Emitter& e, const S& s) {
  e << YAML::BeginMap;
  for (const auto& row : fields<S>()) {
    if (!row.present(s)) continue;
    e << YAML::Key << std::string(row.key) << YAML::Value;
    row.emit(e, s);
  }
  e << YAML::EndMap;
}

template <class S>
void example_struct(std::string& out, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& row : fields<S>()) {
    const char* mark = row.required                               ? " (required)"
                       : (!row.sample_is_default && !row.example) ? " (example)"
                                                                  : "";
    out += pad + "# " + std::string(row.doc) + mark + "\n";
    if (row.example) {
      out += pad + std::string(row.key) + ":\n";
      row.example(out, indent + 2);
    } else {
      out += pad + std::string(row.key) + ": " + std::string(row.sample) + "\n";
    }
  }
}

}  // namespace

bool parse_main(Ctx& ctx, const YAML::Node& root, MainDoc& out) {
  return parse_struct(ctx, root, out);
}
bool parse_domain(Ctx& ctx, const YAML::Node& root, DomainDoc& out) {
  return parse_struct(ctx, root, out);
}
void emit_main(YAML::Emitter& out, const MainDoc& doc) {
  emit_struct(out, doc);
}

std::string render_example() {
  std::string out =
      "# tegami main configuration: every key, with its default or an example value.\n"
      "# Generated from the key table (tegami::config::example_config()); do not edit by hand.\n"
      "# Sizes of mailboxes and domains are whole MB (50, 50MB, 5GB); durations take ms, s, m, "
      "h, d.\n"
      "# Relative paths are relative to the directory of the file that contains them.\n";
  example_struct<MainDoc>(out, 0);
  return out;
}

std::vector<Plan> builtin_plans() {
  std::vector<Protocol> all = {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3,
                               Protocol::kImap};
  return {
      Plan{"basic", 20, 50, QuotaPolicy::kOvershoot, all},
      Plan{"standard", 50, 0, QuotaPolicy::kOvershoot, all},
      Plan{"secure", 50, 0, QuotaPolicy::kOvershoot, all},
      Plan{"premium", 50, 0, QuotaPolicy::kOvershoot, all},
  };
}

}  // namespace tegami::config::schema
