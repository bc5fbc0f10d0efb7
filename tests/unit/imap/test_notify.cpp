// NOTIFY (RFC 5465): the argument parser with the RFC's examples and its rules, and the LIST
// lines that report folder-list changes.
#include <doctest/doctest.h>

#include <string>

#include "imap/notify.h"
#include "imap/notify_request.h"
#include "imap/parser.h"

namespace {

struct Parsed {
  bool ok = false;
  imap::NotifyRequest req;
  imap::NotifyParseError error;
};

Parsed parse(const std::string& text) {
  imap::Command c;
  std::string err;
  REQUIRE(imap::parse_command("t NOTIFY " + text + "\r\n", imap::ParserLimits{}, c, err));
  Parsed p;
  p.ok = imap::parse_notify(c.args, p.req, p.error);
  return p;
}

}  // namespace

TEST_CASE("NOTIFY: the RFC 5465 examples that use offered events parse") {
  // Section 5.1 / 8: selected mailbox and personal mailboxes.
  Parsed p = parse("SET (selected MessageNew MessageExpunge) (personal MessageNew MessageExpunge)");
  CHECK_FALSE(p.ok);  // events must be a list: "(MessageNew MessageExpunge)"
  p = parse("SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))");
  REQUIRE_MESSAGE(p.ok, p.error.message);
  REQUIRE(p.req.groups.size() == 2);
  CHECK(p.req.groups[0].filter == imap::NotifyFilter::kSelected);
  CHECK(p.req.groups[1].filter == imap::NotifyFilter::kPersonal);
  CHECK(p.req.groups[1].events.message_new);
  p = parse(
      "SET STATUS (SELECTED-DELAYED (MessageNew MessageExpunge FlagChange)) "
      "(SUBTREE (Lists Archive) (MessageNew MessageExpunge)) "
      "(MAILBOXES INBOX (MessageNew MessageExpunge)) (INBOXES NONE) "
      "(SUBSCRIBED (MailboxName SubscriptionChange))");
  REQUIRE_MESSAGE(p.ok, p.error.message);
  CHECK(p.req.status);
  CHECK(p.req.groups[0].filter == imap::NotifyFilter::kSelectedDelayed);
  CHECK(p.req.groups[1].mailboxes.size() == 2);
  CHECK(p.req.groups[2].mailboxes.size() == 1);
  CHECK_FALSE(p.req.groups[3].events.any());
  CHECK(p.req.groups[4].events.subscription_change);
  p = parse("SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge))");
  REQUIRE_MESSAGE(p.ok, p.error.message);
  CHECK(p.req.groups[0].events.has_fetch_att);
  CHECK(p.req.groups[0].events.fetch_att.children.size() == 2);
  CHECK(parse("NONE").ok);
  CHECK(parse("none").req.none);
}

TEST_CASE("NOTIFY: BAD for broken rules, BADEVENT for events not offered") {
  for (const char* bad :
       {"SET", "SET STATUS", "NONE (SELECTED NONE)", "SET (SELECTED (MessageNew))",
        "SET (SELECTED (MessageExpunge))", "SET (PERSONAL (FlagChange))",
        "SET (SELECTED (MailboxName))", "SET (SELECTED NONE) (SELECTED NONE)",
        "SET (SUBTREE (MessageNew MessageExpunge))",
        "SET (MAILBOXES () (MessageNew MessageExpunge))", "SET (BOGUS (MessageNew MessageExpunge))",
        "SET (PERSONAL (MessageNew (UID) MessageExpunge))", "SET (SELECTED ())",
        "SET (SELECTED (MessageNew MessageExpunge) extra)", "SET x"}) {
    Parsed p = parse(bad);
    CHECK_MESSAGE(!p.ok, bad);
    CHECK_MESSAGE(p.error.kind == imap::NotifyParseError::Kind::kSyntax, bad);
  }
  for (const char* unsupported :
       {"SET (SELECTED (AnnotationChange))", "SET (PERSONAL (MailboxMetadata))",
        "SET (PERSONAL (ServerMetadata))", "SET (INBOXES (X-Something))"}) {
    Parsed p = parse(unsupported);
    CHECK_MESSAGE(!p.ok, unsupported);
    CHECK_MESSAGE(p.error.kind == imap::NotifyParseError::Kind::kBadEvent, unsupported);
  }
}

TEST_CASE("NOTIFY: folder-list changes become LIST lines") {
  using L = imap::NotifyState::Listed;
  std::map<std::string, L> before{
      {"INBOX", {true, true}}, {"Old", {true, false}}, {"Sub", {true, false}}};
  std::map<std::string, L> after{
      {"INBOX", {true, true}}, {"New", {true, false}}, {"Sub", {true, true}}};
  CHECK(imap::notify_list_changes(before, after, true, true, imap::WireNames::kMutf7) ==
        "* LIST () \"/\" \"New\"\r\n"
        "* LIST (\\NonExistent) \"/\" \"Old\"\r\n"
        "* LIST (\\Subscribed) \"/\" \"Sub\"\r\n");
  // Only MailboxName: the subscription change is not reported.
  CHECK(imap::notify_list_changes(before, after, true, false, imap::WireNames::kMutf7) ==
        "* LIST () \"/\" \"New\"\r\n* LIST (\\NonExistent) \"/\" \"Old\"\r\n");
  std::map<std::string, L> jp{{"日本語", {true, false}}};
  CHECK(imap::notify_list_changes({}, jp, true, false, imap::WireNames::kMutf7) ==
        "* LIST () \"/\" \"&ZeVnLIqe-\"\r\n");
  CHECK(imap::notify_list_changes({}, jp, true, false, imap::WireNames::kUtf8) ==
        "* LIST () \"/\" \"日本語\"\r\n");
  // A folder directory that changed its name is a rename (OLDNAME, RFC 5465 5.4).
  std::map<std::string, L> r1{{"A", {true, false, 7}}, {"B", {true, false, 8}}};
  std::map<std::string, L> r2{{"A2", {true, false, 7}}, {"B", {true, false, 8}}};
  CHECK(imap::notify_list_changes(r1, r2, true, true, imap::WireNames::kMutf7) ==
        "* LIST () \"/\" \"A2\" (\"OLDNAME\" (\"A\"))\r\n");
}
