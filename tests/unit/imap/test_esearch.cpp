// ESEARCH (RFC 4731): RETURN options and the * ESEARCH line, with the RFC's examples.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap/esearch.h"
#include "imap/parser.h"

namespace {

imap::Arg first_arg(const std::string& text) {
  imap::Command c;
  std::string err;
  REQUIRE(imap::parse_command("t SEARCH " + text + " ALL\r\n", imap::ParserLimits{}, c, err));
  return c.args[0];
}

}  // namespace

TEST_CASE("RETURN options") {
  unsigned o = 0;
  std::string error;
  REQUIRE(imap::parse_return_options(first_arg("(MIN max Count)"), o, error));
  CHECK(o == (imap::kEsearchMin | imap::kEsearchMax | imap::kEsearchCount));
  REQUIRE(imap::parse_return_options(first_arg("()"), o, error));
  CHECK(o == imap::kEsearchAll);  // RETURN () is ALL
  REQUIRE(imap::parse_return_options(first_arg("(SAVE)"), o, error));
  CHECK(o == imap::kEsearchSave);  // SEARCHRES: SAVE alone, no ESEARCH response
  CHECK(imap::esearch_response("t", false, o, {1, 2}).empty());
  REQUIRE(imap::parse_return_options(first_arg("(SAVE MIN)"), o, error));
  CHECK(imap::esearch_response("t", false, o, {3, 4}) == "* ESEARCH (TAG \"t\") MIN 3\r\n");
  CHECK_FALSE(imap::parse_return_options(first_arg("(MIN BOGUS)"), o, error));
  CHECK_FALSE(imap::parse_return_options(first_arg("MIN"), o, error));
  CHECK_FALSE(imap::parse_return_options(first_arg("((MIN))"), o, error));
}

TEST_CASE("ESEARCH responses (RFC 4731 section 3.1 examples)") {
  using imap::esearch_response;
  // "A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""
  CHECK(esearch_response("A282", false, imap::kEsearchMin | imap::kEsearchCount, {2, 10, 11}) ==
        "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
  // "A283 SEARCH RETURN () FLAGGED ..."
  CHECK(
      esearch_response("A283", false, imap::kEsearchAll,
                       {2,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                        28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45}) ==
      "* ESEARCH (TAG \"A283\") ALL 2,10:45\r\n");
  // No match: MIN, MAX and ALL are left out; COUNT is 0.
  CHECK(esearch_response(
            "A284", false,
            imap::kEsearchMin | imap::kEsearchMax | imap::kEsearchAll | imap::kEsearchCount,
            {}) == "* ESEARCH (TAG \"A284\") COUNT 0\r\n");
  CHECK(esearch_response("A285", true, imap::kEsearchMin | imap::kEsearchMax, {7, 9, 4000}) ==
        "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 4000\r\n");
  CHECK(esearch_response("A286", true, imap::kEsearchAll, {}) ==
        "* ESEARCH (TAG \"A286\") UID\r\n");
  CHECK(imap::compact_set({1, 2, 3, 5, 7, 8}) == "1:3,5,7:8");
  CHECK(imap::compact_set({}).empty());
}
