// `tegami quota show [--json] [--quota <MB>] <dir>`: usage and limit of a Maildir (from its
// maildirsize, recalculated first when the Maildir++ rules say so).
// `tegami quota recalc [--quota <MB>] <dir>`: recount the messages and rewrite maildirsize.
// Without --quota the limit stated in the existing maildirsize is kept.
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>

#include "command.h"
#include "maildir/quota.h"

namespace tegami_cli {
namespace {

struct QuotaArgs {
  std::string dir;
  bool json = false;
  std::optional<std::uint64_t> quota_mb;
};

// Parses "[--json] [--quota <MB>] <dir>"; false on a usage error.
bool parse_args(const Invocation& inv, bool allow_json, QuotaArgs& out) {
  for (size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    if (allow_json && a == "--json") {
      out.json = true;
    } else if (a == "--quota" && i + 1 < inv.args.size()) {
      const std::string& v = inv.args[++i];
      std::uint64_t mb = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), mb);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) return false;
      out.quota_mb = mb;
    } else if (out.dir.empty() && !a.empty() && a[0] != '-') {
      out.dir = a;
    } else {
      return false;
    }
  }
  return !out.dir.empty();
}

maildir::Quota make_quota(const QuotaArgs& args) {
  maildir::QuotaOptions o;
  if (args.quota_mb) o.limit = maildir::QuotaLimit::megabytes(*args.quota_mb);
  return maildir::Quota(args.dir, o);
}

// "1.5 MB" style, binary units as the configuration's MB.
std::string human(std::int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while ((v >= 1024.0 || v <= -1024.0) && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[48];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

void print_usage(const maildir::QuotaUsage& u, bool json) {
  const maildir::QuotaLimit& l = u.limit;
  if (json) {
    std::printf(
        "{\"bytes\": %lld, \"count\": %lld, \"limit_bytes\": %llu, \"limit_count\": %llu, "
        "\"recalculated\": %s}\n",
        static_cast<long long>(u.bytes), static_cast<long long>(u.count),
        static_cast<unsigned long long>(l.bytes), static_cast<unsigned long long>(l.count),
        u.recalculated ? "true" : "false");
    return;
  }
  std::string line = "used " + human(u.bytes);
  if (l.bytes != 0) {
    char pct[32];
    std::snprintf(pct, sizeof pct, " (%.0f%%)",
                  100.0 * static_cast<double>(u.bytes) / static_cast<double>(l.bytes));
    line += " of " + human(static_cast<std::int64_t>(l.bytes)) + pct;
  } else {
    line += " (no size limit)";
  }
  line += ", " + std::to_string(u.count) + " messages";
  if (l.count != 0) line += " of " + std::to_string(l.count);
  std::printf("%s\n", line.c_str());
}

int quota_show(const Invocation& inv) {
  QuotaArgs args;
  if (!parse_args(inv, true, args)) return usage_error("quota show");
  maildir::Result<maildir::QuotaUsage> u = make_quota(args).usage();
  if (!u.ok()) {
    std::fprintf(stderr, "tegami quota show: %s\n", u.status().to_string().c_str());
    return 1;
  }
  print_usage(*u, args.json);
  return 0;
}

int quota_recalc(const Invocation& inv) {
  QuotaArgs args;
  if (!parse_args(inv, true, args)) return usage_error("quota recalc");
  maildir::Result<maildir::QuotaUsage> u = make_quota(args).recalculate();
  if (!u.ok()) {
    std::fprintf(stderr, "tegami quota recalc: %s\n", u.status().to_string().c_str());
    return 1;
  }
  print_usage(*u, args.json);
  return 0;
}

Register r_show{{"quota show", "[--json] [--quota <MB>] <dir>",
                 "show a Maildir's quota usage (maildirsize)", &quota_show}};
Register r_recalc{{"quota recalc", "[--json] [--quota <MB>] <dir>",
                   "recount a Maildir's messages and rewrite maildirsize", &quota_recalc}};

}  // namespace
}  // namespace tegami_cli
