// Mailbox names <-> Maildir++ directory names, and the table of refused names.
#include <doctest/doctest.h>

#include <string>

#include "maildir/mailbox_name.h"

using maildir::Code;
using maildir::folder_dir_name;
using maildir::mailbox_name_from_dir;
using maildir::NameEncoding;
using maildir::normalize_mailbox_name;

TEST_CASE("names map to Maildir++ directories and back") {
  struct Row {
    const char* name;
    const char* mutf7_dir;
    const char* utf8_dir;
  };
  const Row rows[] = {
      {"INBOX", "", ""},
      {"Sent", ".Sent", ".Sent"},
      {"Work/2024", ".Work.2024", ".Work.2024"},
      {"下書き", ".&Tgtm+DBN-", ".下書き"},
      {"送信済み", ".&kAFP4W4IMH8-", ".送信済み"},
      {"仕事/送信済み", ".&TtVOiw-.&kAFP4W4IMH8-", ".仕事.送信済み"},
      {"R&D", ".R&-D", ".R&D"},
      {"INBOX/Sub", ".INBOX.Sub", ".INBOX.Sub"},
      {"a b", ".a b", ".a b"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    auto m = folder_dir_name(r.name, NameEncoding::kModifiedUtf7);
    REQUIRE(m.ok());
    CHECK(*m == r.mutf7_dir);
    auto u = folder_dir_name(r.name, NameEncoding::kUtf8);
    REQUIRE(u.ok());
    CHECK(*u == r.utf8_dir);
    if (*m != "") {
      auto back = mailbox_name_from_dir(r.mutf7_dir, NameEncoding::kModifiedUtf7);
      REQUIRE(back.ok());
      CHECK(*back == r.name);
      auto back8 = mailbox_name_from_dir(r.utf8_dir, NameEncoding::kUtf8);
      REQUIRE(back8.ok());
      CHECK(*back8 == r.name);
    }
  }
}

TEST_CASE("INBOX is case-insensitive and canonicalised") {
  CHECK(*normalize_mailbox_name("inbox") == "INBOX");
  CHECK(*normalize_mailbox_name("InBoX/Sub") == "INBOX/Sub");
  CHECK(*normalize_mailbox_name("Sub/inbox") == "Sub/inbox");  // only the first level
  CHECK(*folder_dir_name("inbox", NameEncoding::kModifiedUtf7) == "");
  CHECK(*folder_dir_name("Inbox/x", NameEncoding::kModifiedUtf7) == ".INBOX.x");
  CHECK(*mailbox_name_from_dir(".INBOX", NameEncoding::kModifiedUtf7) == "INBOX");
  // Only one on-disk spelling of INBOX's children.
  CHECK(mailbox_name_from_dir(".inbox.x", NameEncoding::kModifiedUtf7).status().code() ==
        Code::kInvalidName);
}

TEST_CASE("'a.b' and 'a/b' never alias") {
  auto dotted = folder_dir_name("a.b", NameEncoding::kModifiedUtf7);
  CHECK(dotted.status().code() == Code::kInvalidName);
  CHECK(folder_dir_name("a.b", NameEncoding::kUtf8).status().code() == Code::kInvalidName);
  CHECK(*folder_dir_name("a/b", NameEncoding::kModifiedUtf7) == ".a.b");
  CHECK(*mailbox_name_from_dir(".a.b", NameEncoding::kModifiedUtf7) == "a/b");
}

TEST_CASE("attack vectors are refused with a clear error") {
  struct Row {
    std::string name;
    Code code;
  };
  const Row rows[] = {
      {"", Code::kInvalidName},
      {"/", Code::kInvalidName},
      {"/etc", Code::kInvalidName},
      {"a//b", Code::kInvalidName},
      {"a/", Code::kInvalidName},
      {"..", Code::kInvalidName},
      {".", Code::kInvalidName},
      {"../x", Code::kInvalidName},
      {"a/../../etc", Code::kInvalidName},
      {"a/./b", Code::kInvalidName},
      {".hidden", Code::kInvalidName},
      {"a.b", Code::kInvalidName},
      {"~", Code::kInvalidName},
      {"~root", Code::kInvalidName},
      {"a/~b", Code::kInvalidName},
      {"cur", Code::kInvalidName},
      {"new", Code::kInvalidName},
      {"tmp", Code::kInvalidName},
      {"Work/tmp", Code::kInvalidName},
      {std::string("a\0b", 3), Code::kInvalidName},
      {"a\nb", Code::kInvalidName},
      {"a\rb", Code::kInvalidName},
      {"a\tb", Code::kInvalidName},
      {"a\x7f", Code::kInvalidName},
      {"a\xc2\x85", Code::kInvalidName},  // U+0085 NEL (C1 control)
      {"\xff", Code::kInvalidName},
      {"\xc0\xae\xc0\xae", Code::kInvalidName},  // overlong ".."
      {"\xc0\xaf", Code::kInvalidName},          // overlong '/'
      {"\xed\xa0\x80", Code::kInvalidName},      // encoded surrogate
      {std::string(256, 'a'), Code::kLimit},
      {"a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", Code::kLimit},  // 17 levels
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    auto n = folder_dir_name(r.name, NameEncoding::kModifiedUtf7);
    REQUIRE_FALSE(n.ok());
    CHECK(n.status().code() == r.code);
    CHECK_FALSE(n.status().message().empty());
    CHECK(folder_dir_name(r.name, NameEncoding::kUtf8).status().code() == r.code);
  }
  // The message says why.
  CHECK(folder_dir_name("a/../b", NameEncoding::kUtf8).status().message().find("'..'") !=
        std::string::npos);
  CHECK(folder_dir_name("tmp", NameEncoding::kUtf8).status().message().find("reserved") !=
        std::string::npos);
}

TEST_CASE("length limits: UTF-8 name and on-disk directory name") {
  std::string ok(254, 'a');  // + "." = 255 bytes on disk
  CHECK(folder_dir_name(ok, NameEncoding::kModifiedUtf7).ok());
  // 100 kanji = 300 UTF-8 bytes: over the API limit.
  std::string kanji;
  for (int i = 0; i < 100; ++i) kanji += "字";
  CHECK(folder_dir_name(kanji, NameEncoding::kModifiedUtf7).status().code() == Code::kLimit);
  // "éa" is 3 bytes in UTF-8 but 6 in mUTF-7 ("&AOk-a"): 80 of them fit the API limit
  // (240 bytes) and the UTF-8 directory (241), but not a mUTF-7 directory (481 bytes).
  std::string two;
  for (int i = 0; i < 80; ++i) two += "éa";
  auto m = folder_dir_name(two, NameEncoding::kModifiedUtf7);
  CHECK(m.status().code() == Code::kLimit);
  CHECK(m.status().message().find("directory name") != std::string::npos);
  CHECK(folder_dir_name(two, NameEncoding::kUtf8).ok());
}

TEST_CASE("on-disk names that decode to something forbidden are refused") {
  const char* bad[] = {
      "Sent",           // no leading '.'
      ".",              //
      "..",             // parent directory
      "...",            //
      "..Sent",         // empty first level
      ".a..b",          // empty level
      ".a.",            // trailing empty level
      ".&AC4ALg-",      // ".." in non-canonical mUTF-7
      ".&AC8-etc",      // '/' encoded
      ".&AC8ALgAu-",    // "/.." encoded
      ".&AAA-",         // NUL
      ".a&AAo-b",       // LF
      ".&AH4-root",     // '~' encoded
      ".~root",         // leading '~'
      ".cur",           // reserved
      ".Work.tmp",      // reserved level
      ".&Y3,U-",        // bad padding bits
      ".&Tgtm+DBN",     // unterminated
      ".\xe4\xb8\x8b",  // raw UTF-8 in mUTF-7 mode
      ".&2D0-",         // lone surrogate
  };
  for (const char* d : bad) {
    CAPTURE(d);
    CHECK_FALSE(mailbox_name_from_dir(d, NameEncoding::kModifiedUtf7).ok());
  }
  // In UTF-8 mode: raw UTF-8 is fine, but invalid UTF-8 and controls are not.
  CHECK(*mailbox_name_from_dir(".\xe4\xb8\x8b", NameEncoding::kUtf8) == "下");
  CHECK_FALSE(mailbox_name_from_dir(".\xff", NameEncoding::kUtf8).ok());
  CHECK_FALSE(mailbox_name_from_dir(".a\x01", NameEncoding::kUtf8).ok());
  CHECK_FALSE(mailbox_name_from_dir(".tmp", NameEncoding::kUtf8).ok());
  CHECK_FALSE(
      mailbox_name_from_dir(std::string(".") + std::string(255, 'a'), NameEncoding::kUtf8).ok());
}
