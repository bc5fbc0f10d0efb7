// The -ctl command language: table of lines, subject handling, limits.
#include <doctest/doctest.h>

#include "lists/ctl_parse.h"

using namespace tegami_lists;
using V = CtlCommand::Verb;

TEST_CASE("each command and its arguments") {
  auto c =
      parse_ctl_commands("",
                         "help\r\nmembers\r\nadd Carol@Example.com Carol, ACME Inc.\r\n"
                         "remove <bob@example.com>\r\ncomment dave@example.com Dave (ops)\r\n"
                         "admins\r\naddadmin carol@example.com\r\nDELADMIN bob@example.com\r\n");
  REQUIRE(c.size() == 8);
  CHECK(c[0].verb == V::kHelp);
  CHECK(c[1].verb == V::kMembers);
  CHECK(c[2].verb == V::kAdd);
  CHECK(c[2].address == "carol@example.com");
  CHECK(c[2].text == "Carol, ACME Inc.");
  CHECK(c[3].verb == V::kRemove);
  CHECK(c[3].address == "bob@example.com");
  CHECK(c[4].verb == V::kComment);
  CHECK(c[4].text == "Dave (ops)");
  CHECK(c[5].verb == V::kAdmins);
  CHECK(c[6].verb == V::kAddAdmin);
  CHECK(c[7].verb == V::kDelAdmin);
  CHECK(c[7].address == "bob@example.com");
}

TEST_CASE("quotes, comments, blank lines are skipped; end and signatures stop") {
  auto c = parse_ctl_commands("", "# my commands\n\n> old quote\nmembers\nend\nadd x@y.z\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].verb == V::kMembers);
  auto sig = parse_ctl_commands("", "admins\n-- \nAlice\nadd x@y.z\n");
  REQUIRE(sig.size() == 1);
}

TEST_CASE("the subject is a command when it is one, ignored otherwise") {
  auto help = parse_ctl_commands("help", "");
  REQUIRE(help.size() == 1);
  CHECK(help[0].verb == V::kHelp);
  auto remove = parse_ctl_commands("remove", "");
  CHECK(remove.empty());  // "remove" without an address is not a command in a subject
  CHECK(parse_ctl_commands("Re: hello", "").empty());
}

TEST_CASE("bad lines are reported, never executed") {
  auto c = parse_ctl_commands("",
                              "add\nadd @nolocal\naddadmin a@b c\nfrobnicate\n"
                              "add a<b>@c\nmembers now\n" +
                                  std::string(2000, 'x') + "\n");
  REQUIRE(c.size() == 7);
  for (const auto& x : c) CHECK(x.verb == V::kBad);
  CHECK(c[0].text.find("needs an address") != std::string::npos);
  CHECK(c[3].text.find("unknown command") != std::string::npos);
  CHECK(c[6].text == "line too long");
}

TEST_CASE("at most kMaxCommands commands are read") {
  std::string body;
  for (int i = 0; i < 500; ++i) body += "members\n";
  CHECK(parse_ctl_commands("", body).size() == kMaxCommands);
}
