#include "lists/ctl.h"

#include <time.h>

#include <algorithm>

#include "config/edit.h"
#include "config/load.h"
#include "delivery/local_delivery.h"
#include "lists/ctl_parse.h"
#include "lists/expand.h"
#include "lists/subject.h"
#include "log/log.h"
#include "maildir/delivery.h"
#include "mime/body_text.h"
#include "mime/parser.h"

namespace tegami_lists {

using tegami::config::AddressTarget;
using tegami_smtp::Reply;

namespace {

constexpr int kMaxBadLines = 5;

std::string result_line(const maildir::Status& s, const std::string& done) {
  return s.ok() ? "OK: " + done : "ERROR: " + s.message();
}

// The list as it is on disk now (after the edits of earlier commands).
const tegami::config::MailingList* current_list(const tegami::config::LoadResult& r,
                                                const std::string& address) {
  if (!r.ok()) return nullptr;
  AddressTarget t = r.config->resolve(address);
  return t.kind == AddressTarget::Kind::kList ? t.list : nullptr;
}

std::string execute(const CtlJob& job, const CtlCommand& c) {
  const std::string& path = job.config->main_file;
  const std::string& list = job.list_address;
  tegami::config::EditOptions eo;
  switch (c.verb) {
    case CtlCommand::Verb::kHelp:
      return ctl_help(list);
    case CtlCommand::Verb::kMembers:
    case CtlCommand::Verb::kAdmins: {
      tegami::config::LoadResult r = tegami::config::load_config(path);
      const tegami::config::MailingList* l = current_list(r, list);
      if (l == nullptr) return "ERROR: the configuration cannot be read now; try again later";
      std::string out;
      if (c.verb == CtlCommand::Verb::kMembers) {
        out = std::to_string(l->members.size()) + " members:\n";
        for (const auto& m : l->members)
          out += "  " + m.address + (m.comment.empty() ? "" : "  (" + m.comment + ")") + "\n";
      } else {
        out = std::to_string(l->admins.size()) + " admins:\n";
        for (const auto& a : l->admins) out += "  " + a + "\n";
      }
      return out;
    }
    case CtlCommand::Verb::kAdd:
      return result_line(tegami::config::add_list_member(path, list, c.address, c.text, eo),
                         c.address + " added");
    case CtlCommand::Verb::kRemove:
      return result_line(tegami::config::delete_list_member(path, list, c.address, eo),
                         c.address + " removed");
    case CtlCommand::Verb::kComment:
      return result_line(tegami::config::set_list_member_comment(path, list, c.address, c.text, eo),
                         "comment of " + c.address + " set");
    case CtlCommand::Verb::kAddAdmin:
      return result_line(tegami::config::add_list_admin(path, list, c.address, eo),
                         c.address + " is now an admin");
    case CtlCommand::Verb::kDelAdmin:
      return result_line(tegami::config::delete_list_admin(path, list, c.address, eo),
                         c.address + " is no longer an admin");
    case CtlCommand::Verb::kBad:
      return "ERROR: " + c.text;
  }
  return {};
}

bool is_admin(const tegami::config::Config& config, const std::string& list,
              const std::string& account) {
  AddressTarget t = config.resolve(list);
  if (t.kind != AddressTarget::Kind::kList) return false;
  std::string a = lower_ascii(account);
  return std::find(t.list->admins.begin(), t.list->admins.end(), a) != t.list->admins.end();
}

}  // namespace

CtlResult run_ctl(const CtlJob& job) {
  CtlResult out;
  if (job.admin.empty() || !is_admin(*job.config, job.list_address, job.admin)) {
    out.reply = Reply{550, "5.7.1", "List commands are taken only from the list's admins"};
    return out;
  }
  if (job.queue == nullptr) {
    out.reply = Reply{451, "4.3.2", "No mail queue for the reply, try again later"};
    return out;
  }
  mime::Structure s = mime::parse(job.message);
  std::string subject = mime::decoded_header_field(s, job.message, "Subject");
  std::string message_id = mime::decoded_header_field(s, job.message, "Message-ID");
  std::string body = mime::decoded_body_text(s, job.message);
  std::vector<CtlCommand> commands = parse_ctl_commands(subject, body);

  std::string report;
  int bad = 0;
  for (const CtlCommand& c : commands) {
    report += "> " + c.line + "\n";
    std::string r = execute(job, c);
    report += r + (r.empty() || r.back() == '\n' ? "" : "\n") + "\n";
    logging::info("list " + job.list_address + ": command from " + job.admin + ": " + c.line +
                  ": " + r.substr(0, r.find('\n')));
    if (c.verb == CtlCommand::Verb::kBad && ++bad >= kMaxBadLines) {
      report += "Too many lines that are not commands: the rest of the mail was ignored.\n";
      break;
    }
  }
  if (commands.empty()) report = "No command found.\n\n" + ctl_help(job.list_address);

  std::int64_t now = ::time(nullptr);
  const std::string ctl = job.list_address.substr(0, job.list_address.rfind('@')) + "-ctl" +
                          job.list_address.substr(job.list_address.rfind('@'));
  std::string title = "Results of your commands for " + job.list_address;
  std::string mail = "From: " + ctl + "\r\nTo: " + job.admin + "\r\nSubject: " + title +
                     "\r\nDate: " + tegami_delivery::rfc5322_date(now) + "\r\nMessage-ID: <" +
                     maildir::make_unique_name() + "@" + ctl.substr(ctl.rfind('@') + 1) + ">\r\n";
  if (!message_id.empty()) mail += "In-Reply-To: " + message_id + "\r\n";
  mail +=
      "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  for (char ch : report) {
    if (ch == '\n') mail += '\r';
    mail += ch;
  }
  tegami_queue::Envelope env;  // null sender: an automatic reply
  env.arrival = now;
  tegami_queue::Recipient r;
  r.address = job.admin;
  auto id = job.queue->enqueue(env, {r}, mail);
  if (!id.ok()) {
    logging::error("list " + job.list_address + ": reply to " + job.admin + ": " +
                   id.status().to_string());
    out.reply = Reply{451, "4.3.0", "Reply could not be queued, try again"};
    return out;
  }
  out.queued.push_back(*id);
  out.report = std::move(report);
  out.reply = Reply{250, "2.0.0", "Ok"};
  return out;
}

}  // namespace tegami_lists
