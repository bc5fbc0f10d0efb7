// The `imap:` section: the per-user session limit and the SPECIAL-USE folder names.
#include <doctest/doctest.h>

#include <string>

#include "config/load.h"
#include "config_files.h"

TEST_CASE("imap defaults: 20 sessions per user, English SPECIAL-USE names") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& imap = r.config->imap;
  CHECK(imap.max_sessions_per_user == 20);
  CHECK(imap.drafts == "Drafts");
  CHECK(imap.sent == "Sent");
  CHECK(imap.trash == "Trash");
  CHECK(imap.junk == "Junk");
  CHECK(imap.archive == "Archive");
}

TEST_CASE("imap: Japanese and nested names are accepted; an inbox child keeps INBOX upper case") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "imap:\n  max_sessions_per_user: 5\n  sent: 送信済みアイテム\n  drafts: 下書き\n"
          "  archive: Archive/2026\n  junk: inbox/Spam\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& imap = r.config->imap;
  CHECK(imap.max_sessions_per_user == 5);
  CHECK(imap.sent == "送信済みアイテム");
  CHECK(imap.drafts == "下書き");
  CHECK(imap.archive == "Archive/2026");
  CHECK(imap.junk == "INBOX/Spam");
}

TEST_CASE("imap: an invalid, INBOX or duplicate folder name is an error") {
  for (const char* bad : {"  sent: ../evil\n", "  trash: INBOX\n", "  sent: a.b\n",
                          "  junk: Trash\n", "  drafts: \"\"\n"}) {
    ConfigFiles f;
    f.write("tegami.yaml", std::string("imap:\n") + bad);
    auto r = f.load();
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(f.first_error(r).find("imap.") != std::string::npos);
  }
}
