// SpecialUseMap (CREATE-SPECIAL-USE state): parse/serialize, defaults by name, rename/remove,
// durable save and load.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "imap/special_use.h"

using imap::SpecialUseMap;

TEST_CASE("attributes: chosen ones first, then the defaults by name") {
  SpecialUseMap m = SpecialUseMap::parse("\\Archive Old\n\\sent Outbox\nbogus line\n\\Flagged X\n");
  CHECK(m.attribute("Old") == "\\Archive");
  CHECK(m.attribute("Outbox") == "\\Sent");  // canonical spelling
  CHECK(m.attribute("X") == "");             // not a supported attribute: dropped
  CHECK(m.attribute("Sent") == "\\Sent");    // default
  CHECK(m.attribute("Other") == "");
  CHECK(m.serialize() == "\\Archive Old\n\\Sent Outbox\n");
}

TEST_CASE("rename moves a folder's and its children's attributes; remove forgets") {
  SpecialUseMap m = SpecialUseMap::parse("\\Archive A\n\\Junk A/B\n\\Trash AB\n");
  CHECK(m.has_chosen("A"));
  m.rename("A", "Z");
  CHECK(m.attribute("Z") == "\\Archive");
  CHECK(m.attribute("Z/B") == "\\Junk");
  CHECK(m.attribute("AB") == "\\Trash");  // not a child of A
  CHECK(m.attribute("A") == "");
  m.remove("Z");
  CHECK(m.attribute("Z") == "");
}

TEST_CASE("save then load round trip") {
  char tmpl[] = "/tmp/special-use-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string root = tmpl;
  REQUIRE(mkdir((root + "/tmp").c_str(), 0700) == 0);
  auto empty = SpecialUseMap::load(root);
  REQUIRE(empty.ok());
  CHECK(empty->serialize().empty());
  SpecialUseMap m;
  m.set("Old", "\\Archive");
  auto st = m.save(root);
  INFO(st.to_string());
  REQUIRE(st.ok());
  auto back = SpecialUseMap::load(root);
  REQUIRE(back.ok());
  CHECK(back->attribute("Old") == "\\Archive");
  CHECK(imap::canonical_use_attribute("\\ARCHIVE") == "\\Archive");
  CHECK(imap::canonical_use_attribute("\\All") == "");
  std::string cmd = "rm -rf " + root;
  CHECK(system(cmd.c_str()) == 0);
}
