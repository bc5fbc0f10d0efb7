// LIST arguments with LIST-EXTENDED / LIST-STATUS / SPECIAL-USE options (RFC 5258 examples).
#include <doctest/doctest.h>

#include <string>

#include "imap/list_request.h"
#include "imap/parser.h"

namespace {

std::string parse(const std::string& args, imap::ListRequest& r) {
  imap::Command c;
  std::string error;
  REQUIRE(imap::parse_command("t LIST " + args + "\r\n", {}, c, error));
  REQUIRE(c.args.size() >= 2);
  return imap::parse_list_request(c, r);
}

}  // namespace

TEST_CASE("plain RFC 3501 LIST is not extended") {
  imap::ListRequest r;
  CHECK(parse("\"\" \"%\"", r).empty());
  CHECK_FALSE(r.extended);
  CHECK(r.patterns == std::vector<std::string>{"%"});
  imap::ListRequest d;
  CHECK(parse("\"\" \"\"", d).empty());
  CHECK(d.delimiter_only);
}

TEST_CASE("RFC 5258 selection and return options, several patterns") {
  imap::ListRequest r;
  CHECK(parse("(SUBSCRIBED RECURSIVEMATCH remote) \"Foo/\" (\"%\" \"Bar*\") "
              "RETURN (CHILDREN subscribed SPECIAL-USE STATUS (MESSAGES SIZE))",
              r)
            .empty());
  CHECK(r.extended);
  CHECK(r.sel_subscribed);
  CHECK(r.recursive);
  CHECK(r.ret_children);
  CHECK(r.ret_subscribed);
  CHECK(r.ret_special_use);
  CHECK(r.ret_status);
  CHECK(r.status_items == std::vector<std::string>{"MESSAGES", "SIZE"});
  CHECK(r.patterns == std::vector<std::string>{"Foo/%", "Foo/Bar*"});
  CHECK(imap::list_request_matches(r, "Foo/x"));
  CHECK(imap::list_request_matches(r, "Foo/Bar/y"));
  CHECK_FALSE(imap::list_request_matches(r, "Foo/x/y"));
  imap::ListRequest e;
  CHECK(parse("() \"\" \"*\" RETURN ()", e).empty());
  CHECK(e.extended);
}

TEST_CASE("bad LIST options are BAD") {
  for (const char* bad :
       {"(RECURSIVEMATCH) \"\" \"%\"", "(FOO) \"\" \"*\"", "\"\" \"*\" RETURN (FOO)",
        "\"\" \"*\" RETURN", "\"\" \"*\" FOO (CHILDREN)", "\"\" ()", "\"\" (\"a\" (b))",
        "\"\" \"*\" RETURN (STATUS)", "\"\" \"*\" RETURN (STATUS (BOGUS))",
        "\"\" \"*\" RETURN (STATUS (MESSAGES) STATUS (UNSEEN))", "((X)) \"\" \"*\"",
        "(SUBSCRIBED) (a) \"*\""}) {
    INFO(bad);
    imap::ListRequest r;
    CHECK_FALSE(parse(bad, r).empty());
  }
}
