// `tegami deliver --maildir <dir> [--quota <MB>] [--policy strict|overshoot] [--max-size <MB>]
//                [--warn <percent> [--warn-message <file>]]`:
// delivers standard input as one message into the Maildir, usable by another MTA as its
// delivery agent (Postfix pipe/mailbox_command, Exim pipe transport). --warn puts a quota
// warning into INBOX when the mailbox is at least that full, at most once per 24 hours
// (Courier's deliverquota -w); the warning is the file given, else a built-in text.
//
// Exit codes (sysexits, what MTAs understand):
//   0   delivered (the file's path is printed on stdout)
//   75  EX_TEMPFAIL: any file-system error — the MTA keeps the message and retries
//   77  EX_NOPERM: refused for good — over quota, or larger than --max-size
//   2   usage error
// The reason is printed on stderr. Without --quota, the limit in an existing maildirsize is
// enforced (as Courier's deliverquota does); --quota 0 disables the check.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "command.h"
#include "maildir/delivery.h"
#include "maildir/quota.h"

namespace tegami_cli {
namespace {

constexpr int kExitTempFail = 75;
constexpr int kExitNoPerm = 77;

std::optional<std::uint64_t> parse_count(const std::string& s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string default_warning(unsigned percent) {
  char date[64];
  time_t now = time(nullptr);
  struct tm tm {};
  localtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
  std::string pct = std::to_string(percent);
  return std::string("From: Mail Delivery System <MAILER-DAEMON>\n") +
         "Subject: Warning: your mailbox is over " + pct + "% full\n" + "Date: " + date + "\n" +
         "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n" +
         "Your mailbox is more than " + pct + "% full. Once it is full, new mail\n" +
         "will be returned to its senders. Please delete messages you no longer need.\n";
}

int deliver_cmd(const Invocation& inv) {
  std::string dir;
  std::optional<std::uint64_t> quota_mb;
  std::uint64_t max_size = maildir::kDefaultMaxMessageSize;
  maildir::QuotaPolicy policy = maildir::QuotaPolicy::kOvershoot;
  std::optional<std::uint64_t> warn_percent;
  std::string warn_file;
  for (size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    const bool has_value = i + 1 < inv.args.size();
    if (a == "--maildir" && has_value) {
      dir = inv.args[++i];
    } else if (a == "--quota" && has_value) {
      quota_mb = parse_count(inv.args[++i]);
      if (!quota_mb) return usage_error("deliver");
    } else if (a == "--max-size" && has_value) {
      std::optional<std::uint64_t> mb = parse_count(inv.args[++i]);
      if (!mb) return usage_error("deliver");
      max_size = *mb * maildir::kBytesPerMegabyte;
    } else if (a == "--warn" && has_value) {
      warn_percent = parse_count(inv.args[++i]);
      if (!warn_percent || *warn_percent == 0 || *warn_percent > 100) {
        return usage_error("deliver");
      }
    } else if (a == "--warn-message" && has_value) {
      warn_file = inv.args[++i];
    } else if (a == "--policy" && has_value) {
      const std::string& p = inv.args[++i];
      if (p == "strict") {
        policy = maildir::QuotaPolicy::kStrict;
      } else if (p == "overshoot") {
        policy = maildir::QuotaPolicy::kOvershoot;
      } else {
        return usage_error("deliver");
      }
    } else {
      return usage_error("deliver");
    }
  }
  if (dir.empty()) return usage_error("deliver");

  maildir::QuotaOptions qo;
  if (quota_mb) qo.limit = maildir::QuotaLimit::megabytes(*quota_mb);
  qo.grace_bytes = max_size;
  maildir::Quota quota(dir, qo);
  maildir::DeliveryOptions options;
  options.max_size = max_size;
  options.quota = &quota;
  options.policy = policy;
  if (warn_percent) {
    maildir::QuotaWarning w;
    w.percent = static_cast<unsigned>(*warn_percent);
    if (!warn_file.empty()) {
      std::ifstream in(warn_file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (!in) {
        std::fprintf(stderr, "tegami deliver: cannot read %s\n", warn_file.c_str());
        return kExitTempFail;
      }
      w.message = text.str();
    } else {
      w.message = default_warning(w.percent);
    }
    options.quota_warning = std::move(w);
  }

  maildir::MessageReader from_stdin = [](char* buf, size_t cap) -> maildir::Result<size_t> {
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, buf, cap);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return maildir::from_errno("read standard input");
    }
  };
  maildir::Result<maildir::Delivered> d = maildir::deliver(dir, from_stdin, options);
  if (!d.ok()) {
    const maildir::Status st = d.status();
    std::fprintf(stderr, "tegami deliver: %s\n", st.to_string().c_str());
    const bool permanent =
        st.code() == maildir::Code::kOverQuota || st.code() == maildir::Code::kLimit;
    return permanent ? kExitNoPerm : kExitTempFail;
  }
  std::printf("%s\n", d->path.c_str());
  return 0;
}

Register r_deliver{
    {"deliver", "--maildir <dir> [--quota <MB>] [--policy strict|overshoot] [--max-size <MB>]",
     "deliver standard input into a Maildir (exit 0, 75 temporary, 77 over quota)", &deliver_cmd}};

}  // namespace
}  // namespace tegami_cli
