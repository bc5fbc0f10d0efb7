// RFC 7162 arguments: SELECT/EXAMINE parameters and FETCH modifiers (the RFC's examples and
// what must be refused).
#include <doctest/doctest.h>

#include <string>

#include "imap/condstore.h"
#include "imap/parser.h"

namespace {

imap::Arg arg(const std::string& text) {
  imap::Command c;
  std::string error;
  REQUIRE(imap::parse_command("t X " + text + "\r\n", {}, c, error));
  REQUIRE(c.args.size() == 1);
  return c.args[0];
}

}  // namespace

TEST_CASE("condstore: SELECT parameters") {
  std::string error;
  imap::SelectModseqParams p;
  CHECK(imap::parse_select_params(arg("(CONDSTORE)"), false, p, error));
  CHECK(p.condstore);
  CHECK_FALSE(p.qresync);

  // RFC 7162 3.2.5.2's example.
  imap::SelectModseqParams q;
  CHECK(imap::parse_select_params(arg("(QRESYNC (67890007 20050715194045000 41,43:211,214:541))"),
                                  true, q, error));
  CHECK(q.qresync);
  CHECK(q.uid_validity == 67890007u);
  CHECK(q.modseq == 20050715194045000ull);
  REQUIRE(q.known_uids.has_value());
  CHECK(q.known_uids->contains(43, 600));
  CHECK_FALSE(q.known_uids->contains(42, 600));
  imap::SelectModseqParams m;
  CHECK(imap::parse_select_params(
      arg("(QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
          "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))"),
      true, m, error));
  imap::SelectModseqParams plain;
  CHECK(imap::parse_select_params(arg("(QRESYNC (1 2))"), true, plain, error));
  CHECK_FALSE(plain.known_uids.has_value());

  for (const char* bad :
       {"(QRESYNC (1 2))x", "(QRESYNC)", "(QRESYNC (0 2))", "(QRESYNC (1 0))", "(QRESYNC (1 x))",
        "(QRESYNC (4294967296 1))", "(QRESYNC (1 9223372036854775808))", "(QRESYNC (1 2 1:* (1)))",
        "(QRESYNC (1 2 1:3 (1 2) 5))", "(FOO)", "CONDSTORE"}) {
    imap::SelectModseqParams b;
    std::string e;
    imap::Command c;
    std::string perr;
    if (!imap::parse_command(std::string("t X ") + bad + "\r\n", {}, c, perr) ||
        c.args.size() != 1) {
      continue;  // not even one argument: the command table refuses it
    }
    CHECK_MESSAGE(!imap::parse_select_params(c.args[0], true, b, e), bad);
  }
  // QRESYNC needs ENABLE QRESYNC first.
  imap::SelectModseqParams n;
  CHECK_FALSE(imap::parse_select_params(arg("(QRESYNC (1 2))"), false, n, error));
}

TEST_CASE("condstore: FETCH modifiers") {
  std::string error;
  imap::FetchModifiers f;
  CHECK(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE 12345)"), false, false, f, error));
  CHECK(f.changed_since == 12345u);
  CHECK_FALSE(f.vanished);
  imap::FetchModifiers v;
  CHECK(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE 12345 VANISHED)"), true, true, v, error));
  CHECK(v.vanished);
  // VANISHED: only UID FETCH, only with CHANGEDSINCE, only once QRESYNC is enabled.
  imap::FetchModifiers x;
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE 1 VANISHED)"), false, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE 1 VANISHED)"), true, false, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(VANISHED)"), true, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE 0)"), true, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE)"), true, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(CHANGEDSINCE -1)"), true, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("(UNCHANGEDSINCE 1)"), true, true, x, error));
  CHECK_FALSE(imap::parse_fetch_modifiers(arg("()"), true, true, x, error));
}
