// The key table (STYLE.md practice 9), internal to the config layer: the only header outside
// load.cpp/schema.cpp that includes yaml-cpp, and only src/config includes it.
//
// Every section of the files is a table of Field rows: key, sample text, whether the sample is
// the default, a one-line doc, and how to parse and emit the value. The same tables drive
// parsing (unknown keys, wrong types, with file:line:column), `config dump` and the generated
// example config. While parsing, the "Doc" types below keep the position of every key so that
// the validation in load.cpp can point at the offending line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/load.h"

namespace tegami::config::schema {

struct Pos {
  int line = 0;  // 1-based, 0 = unknown
  int column = 0;
};
Pos pos_of(const YAML::Node& node);

// Where a mapping and each of its values were written.
struct KeyPos {
  Pos self;
  std::map<std::string, Pos, std::less<>> keys;
  Pos at(std::string_view key) const {
    auto it = keys.find(key);
    return it == keys.end() ? self : it->second;
  }
  bool has(std::string_view key) const { return keys.count(key) != 0; }
};

// Parsing context of one file.
struct Ctx {
  std::string file;  // as reported in diagnostics
  std::string dir;   // relative paths are resolved against it
  std::vector<Diagnostic>* errors = nullptr;
  void error(Pos pos, std::string message) const;
};

struct DomainTlsDoc {
  std::string cert_file, key_file;
  KeyPos keys;
};
struct AccountDoc {
  Account v;
  std::optional<std::uint64_t> quota_mb;
  KeyPos keys;
};
struct AliasDoc {
  Alias v;
  KeyPos keys;
};
struct ListDoc {
  MailingList v;
  KeyPos keys;
};
struct DomainDkimDoc {
  DomainDkim v;
  KeyPos keys;
};
struct DomainDoc {
  Domain v;
  DomainDkimDoc dkim;
  std::optional<std::uint32_t> max_lists, max_imap_connections;
  std::optional<bool> pop3_mark_seen;
  DomainTlsDoc tls;
  std::vector<AccountDoc> accounts;
  std::vector<AliasDoc> aliases;
  std::vector<ListDoc> lists;
  KeyPos keys;
};
struct ListenerDoc {
  Listener v;
  KeyPos keys;
};
struct SniDoc {
  SniCertificate v;
  KeyPos keys;
};
struct TlsDoc {
  TlsConfig v;  // sni filled from `sni` below after validation
  std::vector<SniDoc> sni;
  KeyPos keys;
};
struct RelayDoc {
  RelayHost v;
  KeyPos keys;
};
struct DomainRelayDoc {
  RelayHost v;
  KeyPos keys;
};
struct OutboundDoc {
  OutboundConfig v;  // smarthost / domain_smarthosts filled from below after validation
  std::optional<RelayDoc> smarthost;
  std::vector<DomainRelayDoc> domain_smarthosts;
  KeyPos keys;
};
struct PlanDoc {
  Plan v;
  KeyPos keys;
};
struct MainDoc {
  ServerConfig server;
  std::vector<ListenerDoc> listeners;
  MetricsConfig metrics;
  TlsDoc tls;
  Limits limits;
  AuthPolicy auth;
  Pop3Config pop3;
  DkimConfig dkim;
  ImapConfig imap;
  OutboundDoc outbound;
  std::optional<std::vector<PlanDoc>> plans;
  std::optional<std::string> domains_dir;  // "" = no domain files
  std::vector<DomainDoc> domains;
  KeyPos keys;
};

// Parse a whole file's root mapping. Errors go to ctx; returns false if any was reported.
bool parse_main(Ctx& ctx, const YAML::Node& root, MainDoc& out);
bool parse_domain(Ctx& ctx, const YAML::Node& root, DomainDoc& out);

// Emission of the effective config (the dump) and the example text.
void emit_main(YAML::Emitter& out, const MainDoc& doc);
std::string render_example();

// The built-in plans (basic, standard, secure, premium).
std::vector<Plan> builtin_plans();

}  // namespace tegami::config::schema
