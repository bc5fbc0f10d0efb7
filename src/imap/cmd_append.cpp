// APPEND with APPENDUID (UIDPLUS, RFC 4315); the message comes as one literal ({N} or {N+}).
#include <time.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "imap/command_table.h"
#include "imap/mailbox_names.h"
#include "imap/response_code.h"
#include "imap/session.h"
#include "imap/user_storage.h"
#include "imap/utf8_accept.h"
#include "maildir/mailbox.h"
#include "maildir/maildir.h"

namespace imap {

bool parse_flag_list(const Arg& a, maildir::FlagStore& st);  // cmd_store.cpp

namespace {

// RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be space-padded).
bool parse_date_time(const std::string& s, struct timespec& out) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, zone = 0;
  char mon[4] = {0};
  char sign = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%2d-%3s-%4d %2d:%2d:%2d %c%4d%n", &day, mon, &year, &hh, &mm, &ss,
                  &sign, &zone, &consumed) != 8 ||
      static_cast<size_t>(consumed) != s.size() || (sign != '+' && sign != '-')) {
    return false;
  }
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (strcasecmp(mon, kMonths[i]) == 0) month = i;
  }
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900) {
    return false;
  }
  struct tm tm {};
  tm.tm_mday = day;
  tm.tm_mon = month;
  tm.tm_year = year - 1900;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  time_t t = timegm(&tm);
  int offset = (zone / 100) * 3600 + (zone % 100) * 60;
  t -= sign == '+' ? offset : -offset;
  out.tv_sec = t;
  out.tv_nsec = 0;
  return true;
}

}  // namespace

void cmd_append(Session& s, Command& c) {
  auto name = mailbox_from_wire(c.args[0], s.wire_names());
  if (!name.ok()) {
    s.tagged(c.tag, no_response(name.status(), true));
    return;
  }
  size_t i = 1;
  maildir::FlagStore flags;
  if (i < c.args.size() && c.args[i].kind == Arg::Kind::kList) {
    if (!parse_flag_list(c.args[i], flags)) {
      s.bad(c.tag, "Invalid flags.");
      return;
    }
    ++i;
  }
  std::optional<struct timespec> date;
  if (i < c.args.size() && c.args[i].kind == Arg::Kind::kQuoted) {
    struct timespec ts {};
    if (!parse_date_time(c.args[i].text, ts)) {
      s.bad(c.tag, "Invalid date-time.");
      return;
    }
    date = ts;
    ++i;
  }
  // The message: a literal, or UTF8 (~{n}...) after ENABLE UTF8=ACCEPT (utf8_accept.h).
  Arg* data = append_message_arg(c.args, i, s.enabled().utf8_accept);
  if (data == nullptr || i != c.args.size()) {
    s.bad(c.tag, "Invalid APPEND arguments.");
    return;
  }
  const tegami::login::Identity& id = s.identity();
  // A {N+} literal is not announced before it arrives: the size is judged here (a {N} one was
  // refused before its continuation, see Session::literal_announced).
  std::uint64_t max = s.options().config->limits.max_message_size;
  if (max != 0 && data->text.size() > max) {
    s.tagged(c.tag,
             "NO [TOOBIG] Message too large (the limit is " + std::to_string(max) + " bytes).");
    return;
  }
  maildir::AppendOptions opts;
  opts.flags.system = flags.system;
  opts.keywords = flags.keywords;
  opts.internal_date = date;
  opts.max_size = max;
  opts.quota = quota_options(id, *s.options().config);
  opts.quota_policy = quota_policy(id);
  auto message = std::make_shared<std::string>(std::move(data->text));
  auto result = std::make_shared<maildir::Result<maildir::Appended>>(maildir::Appended{});
  std::string root = id.maildir_path;
  s.blocking(
      [message, result, root, opts, mailbox = *name, mo = maildir_options(*s.options().config)] {
        auto md = maildir::Maildir::open(root, mo);
        if (!md.ok()) {
          *result = md.status();
          return;
        }
        auto dir = md->folder_path(mailbox);
        if (!dir.ok()) {
          *result = dir.status();
          return;
        }
        *result = maildir::append_to_folder(*dir, *message, opts);
      },
      [&s, result, tag = c.tag] {
        if (!result->ok()) {
          s.tagged(tag, no_response(result->status(), true));
          return;
        }
        s.tagged(tag, "OK [APPENDUID " + std::to_string((*result)->uidvalidity) + " " +
                          std::to_string((*result)->uid) + "] Append completed.");
      });
}

}  // namespace imap
