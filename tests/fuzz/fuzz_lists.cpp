// fuzz-links: tegami_lists
// The mailing-list parsers on arbitrary bytes: the -ctl command parser, the subject tagger (RFC
// 2047 decode, prefix stripping, re-encoding) and the header rewrite of a post. They must never
// crash, and their output must stay bounded by their input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lists/ctl_parse.h"
#include "lists/post_headers.h"
#include "lists/subject.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string_view subject = cut == std::string_view::npos ? in : in.substr(0, cut);
  std::string_view body = cut == std::string_view::npos ? std::string_view() : in.substr(cut + 1);
  auto commands = tegami_lists::parse_ctl_commands(subject, body);
  if (commands.size() > tegami_lists::kMaxCommands + 1) std::abort();
  std::string tagged = tegami_lists::tag_subject(subject, "[%t:%05n]", "ml", "[ml:00001]");
  if (tagged.size() > 64 + 8 * subject.size()) std::abort();
  tegami::config::Domain d;
  d.name = "example.com";
  tegami::config::MailingList l;
  l.local_part = "ml";
  l.subject_tag = "ml";
  l.admins = {"a@example.com"};
  l.reply_to = tegami::config::ReplyToPolicy::kSender;
  std::string post = tegami_lists::rewrite_post(in, d, l, 1);
  if (post.size() > 1024 + 9 * in.size()) std::abort();
  (void)tegami_lists::from_address(in);
  return 0;
}
