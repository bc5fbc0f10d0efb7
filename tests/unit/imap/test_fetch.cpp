// FETCH below the session: section specs (parse_section), their resolution to regions of the
// stored file (section_region), CRLF windows for partials, HEADER.FIELDS selection, whole
// responses built by fetch_message() over a real Maildir (small regions inline, big ones as
// streamed file regions), the MIME structure cached in tegami-cache (a second FETCH does not
// parse the file again, also from a new session) and the cache's handling of broken files.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "imap/fetch_items.h"
#include "imap/fetch_response.h"
#include "imap/message_file.h"
#include "imap/message_text.h"
#include "imap/selected_box.h"
#include "imap/structure_cache.h"
#include "maildir/mailbox.h"
#include "maildir/message_cache.h"
#include "mime/parser.h"
#include "temp_dir.h"

namespace {

const std::string kNested =
    "From: a@b\nSubject: outer\nContent-Type: multipart/mixed; boundary=b\n\n"
    "preamble\n--b\nContent-Type: text/plain\n\nfirst\n--b\n"
    "Content-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/alternative; "
    "boundary=c\n\n--c\n\ninner plain\n--c\nContent-Type: text/html\n\n<b>x</b>\n--c--\n"
    "--b--\n";

imap::FetchItem section(const std::string& spec) {
  imap::FetchItem it;
  std::string error;
  REQUIRE_MESSAGE(imap::parse_section(spec, it, error), error);
  return it;
}

std::string region_text(const std::string& msg, const mime::Structure& s, const std::string& spec) {
  auto r = imap::section_region(section(spec), s);
  if (!r) return "<none>";
  std::string stored = msg.substr(r->offset, r->length);
  std::string crlf = imap::to_crlf(stored);
  CHECK(crlf.size() == r->size);  // BODYSTRUCTURE sizes agree with the bytes sent
  return crlf;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

struct Box {
  explicit Box(const std::string& dir) {
    auto mb = maildir::Mailbox::open(dir);
    REQUIRE(mb.ok());
    box = std::make_shared<imap::SelectedBox>(imap::SelectedBox{std::move(*mb), {}, true, "INBOX"});
    for (size_t i = 0; i < box->mailbox.count(); ++i)
      box->client_uids.push_back(box->mailbox.record(i).uid);
  }
  std::shared_ptr<imap::SelectedBox> box;
};

std::string text_of(const imap::FetchOutput& out) {
  std::string t;
  for (const auto& p : out.pieces) {
    if (p.file) {
      auto data = p.file->read_crlf(p.offset, p.length, p.window);
      REQUIRE(data.ok());
      t += *data;
    } else {
      t += p.text;
    }
  }
  return t;
}

}  // namespace

TEST_CASE("section specs: part numbers, texts, header lists; invalid ones refused") {
  auto it = section("2.1.MIME");
  CHECK(it.part == "2.1");
  CHECK(it.section == imap::FetchItem::Section::kMime);
  it = section("3.HEADER.FIELDS.NOT (A B)");
  CHECK(it.part == "3");
  CHECK(it.section == imap::FetchItem::Section::kHeaderFieldsNot);
  CHECK(it.fields == std::vector<std::string>{"A", "B"});
  CHECK(section("").section == imap::FetchItem::Section::kAll);
  CHECK(section("12").part == "12");
  for (const char* bad : {"MIME", "0", "1.0", "01", "1.", ".1", "1..2", "1.FOO", "HEADER.FIELDS",
                          "1.2.TEXT.X", "1234567890"}) {
    imap::FetchItem x;
    std::string error;
    CAPTURE(bad);
    CHECK_FALSE(imap::parse_section(bad, x, error));
  }
  std::string error;
  imap::Command c;
  REQUIRE(imap::parse_command("t X (BODY[2.1.MIME]<5.7> BODY.PEEK[1.HEADER.FIELDS (To)])\r\n", {},
                              c, error));
  auto items = imap::parse_fetch_items(c.args[0], false, error);
  REQUIRE(items);
  CHECK((*items)[0].response_name == "BODY[2.1.MIME]<5>");
  CHECK((*items)[1].response_name == "BODY[1.HEADER.FIELDS (TO)]");
  CHECK((*items)[1].peek);
  CHECK((*items)[0].needs_structure());
  CHECK_FALSE(section("HEADER").needs_structure());
}

TEST_CASE("section resolution over a nested message, sizes equal to the bytes sent") {
  mime::Structure s = mime::parse(kNested);
  CHECK(region_text(kNested, s, "1") == "first");
  CHECK(region_text(kNested, s, "1.MIME") == "Content-Type: text/plain\r\n\r\n");
  CHECK(region_text(kNested, s, "2.HEADER").rfind("Subject: inner\r\n", 0) == 0);
  CHECK(region_text(kNested, s, "2.1") == "inner plain");
  CHECK(region_text(kNested, s, "2.2") == "<b>x</b>");
  CHECK(region_text(kNested, s, "2.2.MIME") == "Content-Type: text/html\r\n\r\n");
  CHECK(region_text(kNested, s, "2").rfind("Subject: inner", 0) == 0);
  CHECK(region_text(kNested, s, "1.1") == "first");  // N.1 of a leaf part is the part
  CHECK(region_text(kNested, s, "3") == "<none>");
  CHECK(region_text(kNested, s, "1.HEADER") == "<none>");
  CHECK(region_text(kNested, s, "").size() == s.size_crlf);
}

TEST_CASE("CRLF windows: partials over LF, CRLF and split input") {
  const std::string stored = "ab\ncd\r\nef\n";  // CRLF form: ab\r\ncd\r\nef\r\n (12 bytes)
  const std::string want = "ab\r\ncd\r\nef\r\n";
  for (uint64_t skip = 0; skip <= want.size(); ++skip) {
    for (uint64_t take = 0; skip + take <= want.size(); ++take) {
      for (size_t piece = 1; piece <= stored.size(); ++piece) {
        imap::CrlfWindow w(false, skip, take);
        std::string out;
        for (size_t p = 0; p < stored.size(); p += piece) w.feed(stored.substr(p, piece), out);
        CHECK(out == want.substr(skip, take));
        CHECK(w.done());
      }
    }
  }
  imap::CrlfWindow after_cr(true, 0, 10);
  std::string out;
  after_cr.feed("\nx", out);
  CHECK(out == "\nx");
  CHECK(imap::partial_window(10, std::nullopt, 0).take == 10);
  CHECK(imap::partial_window(10, 4, 100).take == 6);
  CHECK(imap::partial_window(10, 10, 5).take == 0);
  CHECK(imap::partial_window(10, 2, 3).skip == 2);
}

TEST_CASE("HEADER.FIELDS: continuation lines, no blank line when the message has none") {
  std::string h = "From: a\r\nSubject: x\r\n y\r\nTo: b\r\n\r\n";
  CHECK(imap::header_fields(h, {"SUBJECT"}, false) == "Subject: x\r\n y\r\n\r\n");
  CHECK(imap::header_fields(h, {"CC"}, false) == "\r\n");
  CHECK(imap::header_fields("Subject: s\r\nFrom: a", {"FROM"}, false) == "From: a\r\n");
  CHECK(imap::header_fields("Subject: s\r\nFrom: a", {"FROM"}, true) == "Subject: s\r\n");
  CHECK(imap::header_fields("Subject: s\r\n", {"X"}, false).empty());
}

TEST_CASE("fetch_message: structure items, sections, partials, big regions streamed") {
  TempDir tmp;
  for (const char* d : {"tmp", "new", "cur"})
    std::filesystem::create_directory(tmp.path() + "/" + d);
  std::string big =
      "Subject: big\nContent-Type: multipart/mixed; boundary=z\n\n--z\n\nsmall\n--z\n"
      "Content-Type: application/octet-stream\n\n" +
      std::string(200000, 'x') + "\n--z--\n";
  write_file(tmp.path() + "/cur/1.M1P1.t:2,", kNested);
  write_file(tmp.path() + "/cur/2.M2P1.t:2,S", big);
  Box b(tmp.path());
  std::string error;
  imap::Command c;
  REQUIRE(imap::parse_command(
      "t X (UID BODYSTRUCTURE ENVELOPE BODY.PEEK[2.1] BODY.PEEK[1]<1.3> BODY.PEEK[9] "
      "BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[2.TEXT]<0.4>)\r\n",
      {}, c, error));
  auto items = imap::parse_fetch_items(c.args[0], false, error);
  REQUIRE(items);
  imap::FetchOutput out;
  REQUIRE(imap::fetch_message(*b.box, 0, 1, *items, false, out).ok());
  std::string t = text_of(out);
  CHECK(t.rfind("* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\"", 0) == 0);
  CHECK(t.find("ENVELOPE (NIL \"outer\" ((NIL NIL \"a\" \"b\"))") != std::string::npos);
  CHECK(t.find(" BODY[2.1] {11}\r\ninner plain BODY[1]<1> {3}\r\nirs BODY[9] {0}\r\n "
               "BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: outer\r\n\r\n BODY[2.TEXT]<0> "
               "{4}\r\n--c\r)\r\n") != std::string::npos);
  CHECK(out.pieces.size() == 1);  // all small: inline text

  imap::Command c2;
  REQUIRE(imap::parse_command("t X (BODY[2] BODY[]<0.70000>)\r\n", {}, c2, error));
  items = imap::parse_fetch_items(c2.args[0], false, error);
  imap::FetchOutput big_out;
  REQUIRE(imap::fetch_message(*b.box, 1, 2, *items, true, big_out).ok());
  size_t files = 0;
  for (const auto& p : big_out.pieces) files += p.file ? 1 : 0;
  CHECK(files == 2);  // both regions stay on disk until the socket takes them
  CHECK(big_out.text_bytes < 1000);
  t = text_of(big_out);
  CHECK(t.find("BODY[2] {200000}\r\nxxx") != std::string::npos);
  CHECK(t.find("BODY[]<0> {70000}\r\nSubject: big\r\n") != std::string::npos);
  CHECK(t.find(" FLAGS (\\Seen))\r\n") != std::string::npos);
}

TEST_CASE("structure_cache: a second FETCH BODYSTRUCTURE does not parse the file again") {
  TempDir tmp;
  for (const char* d : {"tmp", "new", "cur"})
    std::filesystem::create_directory(tmp.path() + "/" + d);
  write_file(tmp.path() + "/cur/1.M1P1.t:2,", kNested);
  write_file(tmp.path() + "/cur/2.M2P1.t:2,", "Subject: two\n\nx\n");
  std::string error;
  imap::Command c;
  REQUIRE(imap::parse_command("t X (BODYSTRUCTURE)\r\n", {}, c, error));
  auto items = imap::parse_fetch_items(c.args[0], false, error);
  std::string first;
  uint64_t before = imap::StructureCache::parses();
  {
    Box b(tmp.path());
    imap::FetchOutput out;
    REQUIRE(imap::fetch_message(*b.box, 0, 1, *items, false, out).ok());
    REQUIRE(imap::fetch_message(*b.box, 1, 2, *items, false, out).ok());
    CHECK(imap::StructureCache::parses() == before + 2);
    imap::structure_cache(*b.box).flush(b.box->mailbox.count());
    first = text_of(out);
  }
  CHECK(std::filesystem::exists(tmp.path() + "/tegami-cache"));
  // A new session (new SelectedBox) answers from tegami-cache, even with the file gone.
  {
    Box b(tmp.path());
    std::filesystem::rename(tmp.path() + "/cur/1.M1P1.t:2,", tmp.path() + "/1.aside");
    imap::FetchOutput out;
    REQUIRE(imap::fetch_message(*b.box, 0, 1, *items, false, out).ok());
    CHECK(imap::StructureCache::parses() == before + 2);
    CHECK(text_of(out) == first.substr(0, text_of(out).size()));
  }
  std::filesystem::rename(tmp.path() + "/1.aside", tmp.path() + "/cur/1.M1P1.t:2,");
  {
    Box b(tmp.path());
    imap::FetchOutput out;
    REQUIRE(imap::fetch_message(*b.box, 0, 1, *items, false, out).ok());
    REQUIRE(imap::fetch_message(*b.box, 1, 2, *items, false, out).ok());
    CHECK(text_of(out) == first);
    CHECK(imap::StructureCache::parses() == before + 2);
  }
}

TEST_CASE("tegami-cache: other UIDVALIDITY, torn and corrupt records are ignored and replaced") {
  TempDir tmp;
  {
    maildir::MessageCache c(tmp.path(), 7);
    CHECK_FALSE(c.get(1));
    c.put(1, "one");
    c.put(2, "two");
    REQUIRE(c.flush().ok());
    CHECK(*c.get(2) == "two");
  }
  {
    maildir::MessageCache c(tmp.path(), 7);
    CHECK(*c.get(1) == "one");
    c.put(3, "three");
    REQUIRE(c.flush().ok());
    CHECK(*c.get(3) == "three");
  }
  const std::string path = tmp.path() + "/tegami-cache";
  {
    maildir::MessageCache other(tmp.path(), 8);  // UIDVALIDITY changed: nothing is valid
    CHECK_FALSE(other.get(1));
  }
  {
    // a torn record at the end (a crash during an append) is ignored
    std::string torn = maildir::encode_cache_record(4, "four");
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << torn.substr(0, torn.size() - 2);
  }
  {
    maildir::MessageCache c(tmp.path(), 7);
    CHECK(*c.get(3) == "three");
    CHECK_FALSE(c.get(4));
  }
  {
    // flip a blob byte: the hash no longer matches
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(16 + 16);
    f << 'X';
  }
  maildir::MessageCache c(tmp.path(), 7);
  CHECK_FALSE(c.get(1));
  c.put(5, "five");
  REQUIRE(c.flush().ok());  // replaced, not appended to a broken file
  maildir::MessageCache d(tmp.path(), 7);
  CHECK(*d.get(5) == "five");
  CHECK_FALSE(d.get(3));
}

TEST_CASE("tegami-cache: many records over several read pieces, appends by another writer") {
  TempDir tmp;
  {
    maildir::MessageCache c(tmp.path(), 1);
    for (uint32_t uid = 1; uid <= 20000; ++uid) c.put(uid, "blob-" + std::to_string(uid));
    REQUIRE(c.flush(20000).ok());
  }
  maildir::MessageCache reader(tmp.path(), 1);
  for (uint32_t uid : {1u, 777u, 9000u, 15001u, 20000u}) {
    CAPTURE(uid);
    CHECK(*reader.get(uid) == "blob-" + std::to_string(uid));
  }
  CHECK_FALSE(reader.get(20001));
  {
    maildir::MessageCache writer(tmp.path(), 1);
    writer.put(20001, "late");
    REQUIRE(writer.flush(20001).ok());
  }
  CHECK(*reader.get(20001) == "late");  // found by reading the appended tail
}

TEST_CASE("seek_crlf: every target from the start and from any earlier position") {
  TempDir tmp;
  const std::string stored = "ab\ncd\r\n\nxyz\r\r\n\n";
  const std::string path = tmp.path() + "/m";
  write_file(path, "HDR" + stored);  // the region starts at offset 3
  auto f = imap::MessageFile::open(path);
  REQUIRE(f.ok());
  const std::string crlf = imap::to_crlf(stored);
  const uint64_t end = 3 + stored.size();
  for (uint64_t target = 0; target <= crlf.size(); ++target) {
    for (uint64_t from = 0; from <= target; ++from) {
      imap::CrlfPosition start{3, 0};
      REQUIRE((*f)->seek_crlf(end, from, start).ok());
      imap::CrlfPosition pos = start;
      REQUIRE((*f)->seek_crlf(end, target, pos).ok());
      CAPTURE(target);
      CAPTURE(from);
      REQUIRE(target - pos.crlf <= 1);
      // converting from pos gives exactly the rest of the CRLF text
      auto rest = (*f)->read_crlf(pos.stored, end - pos.stored,
                                  imap::Window{target - pos.crlf, crlf.size() - target});
      REQUIRE(rest.ok());
      CHECK(*rest == crlf.substr(target));
    }
  }
}

TEST_CASE("sequential partials of a big message continue where the last one ended") {
  TempDir tmp;
  for (const char* d : {"tmp", "new", "cur"})
    std::filesystem::create_directory(tmp.path() + "/" + d);
  std::string msg = "Subject: chunks\n\n";
  for (int i = 0; i < 30000; ++i) msg += (i % 3 ? "line " + std::to_string(i) + "\n" : "crlf\r\n");
  write_file(tmp.path() + "/cur/1.M1P1.t:2,", msg);
  const std::string crlf = imap::to_crlf(msg);
  Box b(tmp.path());
  std::string got;
  for (uint64_t off = 0; off < crlf.size(); off += 65536) {
    imap::Command c;
    std::string error;
    REQUIRE(imap::parse_command("t X (BODY.PEEK[]<" + std::to_string(off) + ".65536>)\r\n", {}, c,
                                error));
    auto items = imap::parse_fetch_items(c.args[0], false, error);
    imap::FetchOutput out;
    REQUIRE(imap::fetch_message(*b.box, 0, 1, *items, false, out).ok());
    std::string t = text_of(out);
    size_t lit = t.find("}\r\n");
    REQUIRE(lit != std::string::npos);
    got += t.substr(lit + 3, t.size() - lit - 3 - 3);  // without ")\r\n"
    CHECK(imap::structure_cache(*b.box).resume().pos.crlf ==
          std::min<uint64_t>(off + 65536, crlf.size()));
  }
  CHECK(got == crlf);
}
