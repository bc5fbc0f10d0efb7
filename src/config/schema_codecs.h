// The machinery behind the key table (schema.h), internal to src/config: a Field row per key,
// the codecs that parse and emit each kind of value, and the generic code that parses, emits
// and documents a section from its rows. The tables themselves are in schema_server.cpp (the
// main file's sections) and schema_domain.cpp (a domain's sections).
#pragma once

#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/quantity.h"
#include "config/schema.h"

namespace tegami::config::schema::detail {

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

const char* node_kind(const YAML::Node& n);

bool get_scalar(Ctx& c, const YAML::Node& n, std::string& out, std::string_view expected);

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

bool parse_uint(Ctx& c, const YAML::Node& n, std::uint64_t max, std::uint64_t& v);

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
inline constexpr char kS[] = "s";
inline constexpr char kMs[] = "ms";
using SecondsC = DurationC<std::chrono::seconds, 1000, kS>;
using MillisC = DurationC<std::chrono::milliseconds, 1, kMs>;

inline std::vector<Protocol> all_values(Protocol) {
  return {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3, Protocol::kImap};
}
inline std::vector<TlsMode> all_values(TlsMode) {
  return {TlsMode::kNone, TlsMode::kStartTls, TlsMode::kImplicit};
}
inline std::vector<MailboxNameEncoding> all_values(MailboxNameEncoding) {
  return {MailboxNameEncoding::kMutf7, MailboxNameEncoding::kUtf8};
}
inline std::vector<DeliverySync> all_values(DeliverySync) {
  return {DeliverySync::kJournal, DeliverySync::kFsync};
}
inline std::vector<QuotaPolicy> all_values(QuotaPolicy) {
  return {QuotaPolicy::kOvershoot, QuotaPolicy::kStrict};
}
inline std::vector<UidlFormat> all_values(UidlFormat) {
  return {UidlFormat::kDovecot, UidlFormat::kCourier};
}
inline std::vector<PostingPolicy> all_values(PostingPolicy) {
  return {PostingPolicy::kAnyone, PostingPolicy::kMembers, PostingPolicy::kAdmins};
}
inline std::vector<DkimAlgorithm> all_values(DkimAlgorithm) {
  return {DkimAlgorithm::kRsaSha256, DkimAlgorithm::kEd25519Sha256};
}
inline std::vector<ReplyToPolicy> all_values(ReplyToPolicy) {
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
  static bool parse(Ctx& c, const YAML::Node& n, Cidr& v);
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
bool parse_listen(Ctx& c, const YAML::Node& n, std::string& address, std::uint16_t& port);

std::string listen_text(const std::string& address, std::uint16_t port);

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

// Every section's table; each is defined next to the other tables of its file.
template <>
const std::vector<Field<ServerConfig>>& fields<ServerConfig>();
template <>
const std::vector<Field<ListenerDoc>>& fields<ListenerDoc>();
template <>
const std::vector<Field<MetricsConfig>>& fields<MetricsConfig>();
template <>
const std::vector<Field<SniDoc>>& fields<SniDoc>();
template <>
const std::vector<Field<TlsDoc>>& fields<TlsDoc>();
template <>
const std::vector<Field<Limits>>& fields<Limits>();
template <>
const std::vector<Field<AuthPolicy>>& fields<AuthPolicy>();
template <>
const std::vector<Field<Pop3Config>>& fields<Pop3Config>();
template <>
const std::vector<Field<RelayDoc>>& fields<RelayDoc>();
template <>
const std::vector<Field<DomainRelayDoc>>& fields<DomainRelayDoc>();
template <>
const std::vector<Field<OutboundDoc>>& fields<OutboundDoc>();
template <>
const std::vector<Field<ImapConfig>>& fields<ImapConfig>();
template <>
const std::vector<Field<PlanDoc>>& fields<PlanDoc>();
template <>
const std::vector<Field<ListMember>>& fields<ListMember>();
template <>
const std::vector<Field<ListDoc>>& fields<ListDoc>();
template <>
const std::vector<Field<AliasDoc>>& fields<AliasDoc>();
template <>
const std::vector<Field<AccountDoc>>& fields<AccountDoc>();
template <>
const std::vector<Field<DomainTlsDoc>>& fields<DomainTlsDoc>();
template <>
const std::vector<Field<DkimConfig>>& fields<DkimConfig>();
template <>
const std::vector<Field<DomainDkimDoc>>& fields<DomainDkimDoc>();
template <>
const std::vector<Field<DomainDns>>& fields<DomainDns>();
template <>
const std::vector<Field<DomainDoc>>& fields<DomainDoc>();
template <>
const std::vector<Field<MainDoc>>& fields<MainDoc>();

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

}  // namespace tegami::config::schema::detail
