#include "lists/bounce.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "delivery/local_delivery.h"
#include "lists/expand.h"
#include "lists/post.h"
#include "lists/serial.h"
#include "log/log.h"
#include "maildir/delivery.h"

namespace tegami_lists {

using tegami::config::AddressTarget;

namespace {

std::string_view trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  size_t e = s.size();
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

bool field(std::string_view line, std::string_view name, std::string_view& value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char a = line[i], b = name[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  value = trim(line.substr(name.size() + 1));
  return true;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

maildir::Status replace(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return maildir::from_errno("create " + tmp);
  ssize_t w = write(fd, text.data(), text.size());
  bool ok = w == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) {
    unlink(tmp.c_str());
    return maildir::from_errno(w >= 0 && w != static_cast<ssize_t>(text.size()) ? ENOSPC : err,
                               "write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return maildir::from_errno("rename " + tmp);
  return maildir::Status::Ok();
}

std::map<std::string, unsigned> read_counts(const std::string& dir) {
  std::map<std::string, unsigned> out;
  std::istringstream in(read_all(dir + "/bounces"));
  unsigned n;
  std::string a;
  while (in >> n >> a) out[a] = n;
  return out;
}

std::string counts_text(const std::map<std::string, unsigned>& counts) {
  std::string out;
  for (const auto& [a, n] : counts) out += std::to_string(n) + " " + a + "\n";
  return out;
}

std::string set_text(const std::set<std::string>& s) {
  std::string out;
  for (const auto& a : s) out += a + "\n";
  return out;
}

}  // namespace

std::vector<std::string> permanent_failures(std::string_view m) {
  std::vector<std::string> out;
  std::string recipient;
  bool failed = false, permanent = false;
  auto flush = [&] {
    if (!recipient.empty() && failed && permanent &&
        std::find(out.begin(), out.end(), recipient) == out.end())
      out.push_back(recipient);
    recipient.clear();
    failed = permanent = false;
  };
  size_t pos = 0;
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    std::string_view line = m.substr(pos, nl == std::string_view::npos ? m.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? m.size() : nl + 1;
    std::string_view v;
    if (trim(line).empty() || line.rfind("--", 0) == 0) {
      flush();
    } else if (field(line, "Final-Recipient", v)) {
      flush();
      size_t semi = v.find(';');
      std::string a(trim(semi == std::string_view::npos ? v : v.substr(semi + 1)));
      if (a.size() > 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
      recipient = lower_ascii(a);
      if (recipient.find('@') == std::string::npos || recipient.size() > 254) recipient.clear();
    } else if (field(line, "Action", v)) {
      failed = lower_ascii(std::string(v)).rfind("failed", 0) == 0;
    } else if (field(line, "Status", v)) {
      permanent = !v.empty() && v[0] == '5';
    }
  }
  flush();
  return out;
}

std::set<std::string> disabled_members(const std::string& state_dir) {
  std::set<std::string> out;
  std::istringstream in(read_all(state_dir + "/disabled"));
  std::string a;
  while (in >> a) out.insert(a);
  return out;
}

maildir::Result<BounceResult> handle_bounce(const tegami::config::Config& config,
                                            const std::string& list_address,
                                            std::string_view message, tegami_queue::Queue* queue) {
  AddressTarget t = config.resolve(list_address);
  if (t.kind != AddressTarget::Kind::kList)
    return maildir::Status(maildir::Code::kNotFound, "no list " + list_address);
  BounceResult out;
  std::vector<std::string> failed = permanent_failures(message);
  if (failed.empty()) return out;
  Expansion e = expand_list(config, *t.domain, *t.list);
  std::set<std::string> finals(e.external.begin(), e.external.end());
  for (const auto& m : e.mailboxes) finals.insert(m.address);
  const std::string state = list_state_dir(config, *t.domain, *t.list);
  auto lock = SerialCounter::lock(state, std::chrono::milliseconds(30000));
  if (!lock.ok()) return lock.status();
  std::map<std::string, unsigned> counts = read_counts(state);
  std::set<std::string> disabled = disabled_members(state);
  const unsigned limit = t.list->bounce_limit;
  for (const std::string& f : failed) {
    if (!finals.count(f) || disabled.count(f)) continue;
    out.counted.push_back(f);
    if (++counts[f] >= limit && limit != 0) {
      disabled.insert(f);
      out.disabled.push_back(f);
    }
  }
  if (out.counted.empty()) return out;
  if (auto s = replace(state + "/bounces", counts_text(counts)); !s.ok()) return s;
  if (!out.disabled.empty()) {
    if (auto s = replace(state + "/disabled", set_text(disabled)); !s.ok()) return s;
  }
  for (const std::string& f : out.counted)
    logging::info("list " + list_address + ": permanent bounce " + std::to_string(counts[f]) +
                  (limit ? " of " + std::to_string(limit) : std::string()) + " for " + f);
  for (const std::string& f : out.disabled)
    logging::warning("list " + list_address + ": member " + f + " disabled after " +
                     std::to_string(limit) + " permanent bounces");
  if (!out.disabled.empty() && queue != nullptr) {
    std::int64_t now = ::time(nullptr);
    std::string ctl = t.list->local_part + "-ctl@" + t.domain->name;
    std::string names;
    for (const std::string& f : out.disabled) names += "  " + f + "\r\n";
    for (const std::string& admin : t.list->admins) {
      std::string mail = "From: " + ctl + "\r\nTo: " + admin + "\r\nSubject: Members of " +
                         list_address +
                         " disabled after bounces\r\nDate: " + tegami_delivery::rfc5322_date(now) +
                         "\r\nMessage-ID: <" + maildir::make_unique_name() + "@" + t.domain->name +
                         ">\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                         "These members of " +
                         list_address + " bounced " + std::to_string(limit) +
                         " posts permanently and no longer receive posts:\r\n" + names +
                         "\r\nThey stay in the list; the server admin re-enables one with\r\n"
                         "  tegami list member enable " +
                         list_address + " <address>\r\n";
      tegami_queue::Envelope env;
      env.arrival = now;
      tegami_queue::Recipient r;
      r.address = admin;
      auto id = queue->enqueue(env, {r}, mail);
      if (id.ok()) out.queued.push_back(*id);
      if (!id.ok())
        logging::error("list " + list_address + ": notice to " + admin + ": " +
                       id.status().to_string());
    }
  }
  return out;
}

maildir::Status enable_member(const tegami::config::Config& config, const std::string& list_address,
                              const std::string& member) {
  AddressTarget t = config.resolve(list_address);
  if (t.kind != AddressTarget::Kind::kList)
    return maildir::Status(maildir::Code::kNotFound, "no mailing list " + list_address);
  const std::string state = list_state_dir(config, *t.domain, *t.list);
  auto lock = SerialCounter::lock(state, std::chrono::milliseconds(30000));
  if (!lock.ok()) return lock.status();
  std::string m = lower_ascii(member);
  std::map<std::string, unsigned> counts = read_counts(state);
  std::set<std::string> disabled = disabled_members(state);
  if (!counts.erase(m) + !disabled.erase(m) == 2)
    return maildir::Status(maildir::Code::kNotFound, m + " has no bounces in " + list_address);
  if (auto s = replace(state + "/bounces", counts_text(counts)); !s.ok()) return s;
  return replace(state + "/disabled", set_text(disabled));
}

}  // namespace tegami_lists
