#include "lists/post_headers.h"

#include "lists/header_edit.h"
#include "lists/subject.h"
#include "mime/address.h"
#include "mime/header_decode.h"

namespace tegami_lists {

namespace {

bool list_owned(const HeaderField& f, bool own_reply_to) {
  static const char* kOwned[] = {"List-Id",        "List-Post",  "List-Help",    "List-Unsubscribe",
                                 "List-Subscribe", "List-Owner", "List-Archive", "Precedence",
                                 "X-Mail-Count",   "X-ML-Name",  "Return-Path"};
  for (const char* n : kOwned)
    if (f.is(n)) return true;
  return own_reply_to && f.is("Reply-To");
}

std::string first_address(const std::string& value) {
  for (const mime::Address& a : mime::parse_address_list(value, 16)) {
    if (a.mailbox_nil || a.host_nil || a.mailbox.empty() || a.host.empty()) continue;
    return a.mailbox + "@" + a.host;
  }
  return {};
}

// `"<name> via <list>" <list@domain>` for the original From: value.
std::string munged_from(const std::string& value, const std::string& list_local,
                        const std::string& address) {
  std::string name;
  for (const mime::Address& a : mime::parse_address_list(value, 16)) {
    if (a.mailbox_nil || a.host_nil) continue;
    name = a.name_nil || a.name.empty() ? a.mailbox : mime::decode_header_text(a.name);
    break;
  }
  std::string phrase = name + " via " + list_local;
  bool ascii = true;
  for (char c : phrase)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\r' || c == '\n') ascii = false;
  if (!ascii) return encode_words(phrase, "UTF-8") + " <" + address + ">";
  std::string quoted = "\"";
  for (char c : phrase) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + address + ">";
}

}  // namespace

std::string from_address(std::string_view message) {
  SplitMessage m = split_header(message);
  for (const HeaderField& f : m.fields)
    if (f.is("From")) return first_address(f.value());
  return {};
}

std::string rewrite_post(std::string_view message, const tegami::config::Domain& domain,
                         const tegami::config::MailingList& list, std::uint64_t serial,
                         bool munge_from) {
  using tegami::config::PostingPolicy;
  using tegami::config::ReplyToPolicy;
  SplitMessage m = split_header(message);
  const std::string address = list.local_part + "@" + domain.name;
  const std::string ctl = list.local_part + "-ctl@" + domain.name;
  bool tagging = !list.subject_tag.empty();
  std::string tag_text = tagging ? format_tag(list.subject_format, list.subject_tag, serial) : "";
  std::string reply_to;
  if (list.reply_to == ReplyToPolicy::kList) reply_to = address;
  if (list.reply_to == ReplyToPolicy::kSender) {
    for (const HeaderField& f : m.fields)
      if (f.is("From")) reply_to = first_address(f.value());
  }

  std::string original_from;
  bool had_reply_to = false;
  for (const HeaderField& f : m.fields) {
    if (f.is("From") && original_from.empty()) original_from = f.value();
    if (f.is("Reply-To")) had_reply_to = true;
  }
  munge_from = munge_from && !original_from.empty();
  std::string out;
  out.reserve(message.size() + 1024);
  bool subject_done = false;
  for (const HeaderField& f : m.fields) {
    if (list_owned(f, !reply_to.empty())) continue;
    if (munge_from && f.is("From")) {
      out += "From: " + munged_from(original_from, list.local_part, address) + "\r\n";
      if (reply_to.empty() && !had_reply_to) out += "Reply-To: " + original_from + "\r\n";
      continue;
    }
    if (tagging && f.is("Subject") && !subject_done) {
      out += "Subject: " + tag_subject(f.value(), list.subject_format, list.subject_tag, tag_text) +
             "\r\n";
      subject_done = true;
      continue;
    }
    if (tagging && f.is("Subject")) continue;  // a second Subject: keep one
    out += f.raw;
    if (out.back() != '\n') out += "\r\n";  // a header that ended without a line end
  }
  if (tagging && !subject_done) out += "Subject: " + tag_text + "\r\n";
  if (!reply_to.empty()) out += "Reply-To: <" + reply_to + ">\r\n";
  out += "List-Id: <" + list.local_part + "." + domain.name + ">\r\n";
  if (list.posting == PostingPolicy::kAdmins) {
    out += "List-Post: NO\r\n";
  } else {
    out += "List-Post: <mailto:" + address + ">\r\n";
  }
  out += "List-Help: <mailto:" + ctl + "?subject=help>\r\n";
  std::string admins;
  for (const std::string& a : list.admins) admins += ", <mailto:" + a + ">";
  out += "List-Unsubscribe: <mailto:" + ctl + "?subject=remove>" + admins + "\r\n";
  if (!admins.empty()) out += "List-Owner: " + admins.substr(2) + "\r\n";
  out += "Precedence: list\r\n";
  out += "X-ML-Name: " + list.local_part + "\r\n";
  out += "X-Mail-Count: " + std::to_string(serial) + "\r\n";
  if (m.body.empty()) {
    out += "\r\n";
  } else {
    out.append(m.body);
  }
  return out;
}

}  // namespace tegami_lists
