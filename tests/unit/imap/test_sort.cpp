// SORT and THREAD (RFC 5256, RFC 5957): base subject extraction (incl. the Japanese reply and
// forward prefixes), the criteria parser, sent dates, sort keys and order, and both threading
// algorithms over hand-made message sets.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "imap/base_subject.h"
#include "imap/parser.h"
#include "imap/sort.h"
#include "imap/sort_cache.h"
#include "imap/thread.h"

namespace {

using imap::SortKey;

imap::Arg list_arg(const std::string& text) {
  imap::Command c;
  std::string err;
  imap::ParserLimits lim;
  REQUIRE(imap::parse_command("t SORT " + text + " UTF-8 ALL\r\n", lim, c, err));
  return c.args[0];
}

imap::SortMessage msg(std::uint32_t seq, std::int64_t sent, const std::string& subject,
                      const std::string& id = "", const std::string& refs = "",
                      const std::string& in_reply_to = "") {
  imap::SortHeader h;
  h.subject = subject;
  h.message_id = id;
  h.references = refs;
  h.in_reply_to = in_reply_to;
  // No Date: header, so the sent date is the internal date given here.
  return imap::make_sort_message(seq, seq + 100, sent, 0, h,
                                 imap::sort_need(SortKey::kSubject) | imap::kNeedThreadIds);
}

}  // namespace

TEST_CASE("base subject: RFC 5256 section 2.1 and the Japanese prefixes") {
  struct Row {
    const char* raw;
    const char* base;
    bool reply;
  };
  const Row rows[] = {
      {"hello", "HELLO", false},
      {"Re: hello", "HELLO", true},
      {"RE:hello", "HELLO", true},
      {"re : hello", "HELLO", true},
      {"Fwd: Re: Fw: hello", "HELLO", true},
      {"Re[2]: hello", "HELLO", true},
      {"Re [ml]: hello", "HELLO", true},
      {"[ml] Re: hello", "HELLO", true},
      {"[ml] hello", "HELLO", false},
      {"[ml][other]  hello  ", "HELLO", false},
      {"[ml]", "[ML]", false},  // removing the blob would leave nothing
      {"hello (fwd)", "HELLO", true},
      {"hello (fwd) (FWD)  ", "HELLO", true},
      {"[Fwd: hello]", "HELLO", true},
      {"[fwd: Re: [ml] hello (fwd)]", "HELLO", true},
      {"Re: [Fwd: hello]", "HELLO", true},
      {"hello\t  world", "HELLO WORLD", false},
      {"  ", "", false},
      {"", "", false},
      {"Reply: hello", "REPLY: HELLO", false},  // "Reply" is not "Re"
      {"返信: 会議の件", "会議の件", true},
      {"転送: 会議の件", "会議の件", true},
      {"返信：会議の件", "会議の件", true},            // full-width colon
      {"Ｒｅ：会議の件", "会議の件", true},            // full-width Re and colon
      {"ＲＥ： Ｆｗｄ： 会議", "会議", true},          // full-width, several
      {"Re: 返信: 転送: [社内] 会議", "会議", true},   // mixed, with a list blob
      {"=?UTF-8?B?UmU6IOS8muitsA==?=", "会議", true},  // "Re: 会議" encoded
      {"=?ISO-2022-JP?B?GyRCSlY/LhsoQjogGyRCMnE1RBsoQg==?=", "会議", true},  // "返信: 会議"
      {"Ｈｅｌｌｏ", "HELLO", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.raw);
    imap::BaseSubject b = imap::base_subject(r.raw);
    CHECK(b.text == r.base);
    CHECK(b.reply_or_forward == r.reply);
  }
}

TEST_CASE("sort criteria parser") {
  std::vector<imap::SortCriterion> out;
  std::string error;
  REQUIRE(imap::parse_sort_criteria(list_arg("(REVERSE date subject DISPLAYFROM)"), out, error));
  REQUIRE(out.size() == 3);
  CHECK(out[0].key == SortKey::kDate);
  CHECK(out[0].reverse);
  CHECK(out[1].key == SortKey::kSubject);
  CHECK_FALSE(out[1].reverse);
  CHECK(out[2].key == SortKey::kDisplayFrom);
  for (const char* bad : {"()", "(REVERSE)", "(DATE REVERSE)", "(REVERSE REVERSE DATE)", "(BOGUS)",
                          "DATE", "((DATE))", "(\"DATE\")"}) {
    CAPTURE(bad);
    CHECK_FALSE(imap::parse_sort_criteria(list_arg(bad), out, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("sent time: zones, named zones, two-digit years, junk") {
  CHECK(imap::parse_sent_time("Thu, 01 Jan 1970 00:00:00 +0000") == 0);
  CHECK(imap::parse_sent_time("1 Jan 1970 09:00:00 +0900") == 0);
  CHECK(imap::parse_sent_time("Wed, 31 Dec 1969 19:00 EST") == 0);
  CHECK(imap::parse_sent_time("1 Jan 70 00:00:01 GMT (comment)") == 1);
  CHECK(imap::parse_sent_time("Mon, 7 Dec 2026 10:00:00 -0130") == 1796637600 + 5400);
  CHECK(imap::parse_sent_time("7 Dec 2026") == 1796601600);
  CHECK_FALSE(imap::parse_sent_time(""));
  CHECK_FALSE(imap::parse_sent_time("yesterday"));
  CHECK_FALSE(imap::parse_sent_time("32 Jan 2020 00:00:00 +0000"));
  CHECK_FALSE(imap::parse_sent_time("1 Foo 2020 00:00:00 +0000"));
  CHECK_FALSE(imap::parse_sent_time("1 Jan 2020 25:00:00 +0000"));
  CHECK_FALSE(imap::parse_sent_time("1 Jan 2020 10:00:00 +09x0"));
}

TEST_CASE("msg-ids and header fields") {
  CHECK(imap::parse_msg_ids("<a@x> <b@x>\r\n\t<c\r\n @x>") ==
        std::vector<std::string>{"<a@x>", "<b@x>", "<c@x>"});
  CHECK(imap::parse_msg_ids("Your message of ... <a@x> (comment)") ==
        std::vector<std::string>{"<a@x>"});
  CHECK(imap::parse_msg_ids("<> junk <").empty());
  CHECK(imap::parse_msg_ids("<1> <2> <3>", 2) == std::vector<std::string>{"<2>", "<3>"});
  std::string header =
      "Subject: x\r\nreferences: <a@x>\r\n <b@x>\r\nReferences: <ignored>\r\n\r\nReferences: body";
  CHECK(imap::header_field(header, "References") == "<a@x>  <b@x>");
  CHECK(imap::header_field(header, "Subject") == "x");
  CHECK(imap::header_field("Subject: x\n\nIn-Reply-To: <a>\n", "In-Reply-To").empty());
}

TEST_CASE("sort keys: addresses, display names, sizes, dates, reverse, ties by sequence") {
  auto make = [](std::uint32_t seq, const char* from, const char* to, const char* date,
                 std::uint64_t size, std::int64_t arrival) {
    imap::SortHeader h;
    h.from = from;
    h.to = to;
    h.cc = to;
    h.date = date;
    unsigned need = 0;
    for (SortKey k : {SortKey::kFrom, SortKey::kTo, SortKey::kCc, SortKey::kDisplayFrom,
                      SortKey::kDisplayTo, SortKey::kSubject}) {
      need |= imap::sort_need(k);
    }
    return imap::make_sort_message(seq, seq, arrival, size, h, need);
  };
  std::vector<imap::SortMessage> m = {
      make(1, "Zed <alpha@x>", "b@x", "2 Jan 2020 00:00:00 +0000", 30, 500),
      make(2, "beta@x", "\"Ａnne\" <z@x>", "1 Jan 2020 23:00:00 -0200", 10, 400),
      make(3, "=?UTF-8?Q?=C3=89mile?= <c@x>", "", "garbage", 20, 100),
      make(4, "group: Amy <amy@x>;", "undisclosed-recipients:;", "", 10, 300),
  };
  CHECK(m[0].display_from == "ZED");
  CHECK(m[1].display_from == "BETA@X");  // no display name: the addr-spec
  CHECK(m[2].display_from == "éMILE");   // decoded; non-ASCII letters fold to lower case
  CHECK(m[3].from == "GROUP");  // a group first: its name (ENVELOPE's first entry, as Dovecot)
  CHECK(m[3].display_from == "GROUP");
  CHECK(m[3].to == "UNDISCLOSED-RECIPIENTS");
  CHECK(m[2].to.empty());  // no To: at all
  CHECK(m[1].display_to == "ANNE");
  using C = imap::SortCriterion;
  auto order = [&](std::vector<C> c) {
    std::vector<std::uint32_t> seqs;
    for (size_t i : imap::sort_messages(m, c)) seqs.push_back(m[i].seq);
    return seqs;
  };
  CHECK(order({{SortKey::kFrom, false}}) == std::vector<std::uint32_t>{1, 2, 3, 4});
  CHECK(order({{SortKey::kDisplayFrom, false}}) == std::vector<std::uint32_t>{2, 4, 1, 3});
  CHECK(order({{SortKey::kTo, false}}) == std::vector<std::uint32_t>{3, 1, 4, 2});
  CHECK(order({{SortKey::kSize, false}}) == std::vector<std::uint32_t>{2, 4, 3, 1});
  CHECK(order({{SortKey::kSize, true}}) == std::vector<std::uint32_t>{1, 3, 2, 4});
  CHECK(order({{SortKey::kSize, false}, {SortKey::kArrival, false}}) ==
        std::vector<std::uint32_t>{4, 2, 3, 1});
  CHECK(order({{SortKey::kArrival, false}}) == std::vector<std::uint32_t>{3, 4, 2, 1});
  // DATE: message 2 is 2 Jan 01:00 UTC (after message 1); 3 and 4 fall back to arrival.
  CHECK(order({{SortKey::kDate, false}}) == std::vector<std::uint32_t>{3, 4, 1, 2});
  // Every key equal: sequence order, also under REVERSE.
  CHECK(order({{SortKey::kSubject, true}}) == std::vector<std::uint32_t>{1, 2, 3, 4});
}

TEST_CASE("THREAD=ORDEREDSUBJECT") {
  std::vector<imap::SortMessage> m = {
      msg(1, 10, "a"),    msg(2, 20, "b"), msg(3, 30, "Re: a"),
      msg(4, 5, "re: b"), msg(5, 50, "c"), msg(6, 60, "A"),
  };
  CHECK(imap::thread_messages(m, imap::ThreadAlgorithm::kOrderedSubject, false) ==
        "(4 2)(1 (3)(6))(5)");
  CHECK(imap::thread_messages(m, imap::ThreadAlgorithm::kOrderedSubject, true) ==
        "(104 102)(101 (103)(106))(105)");
  CHECK(imap::thread_messages(std::vector<imap::SortMessage>{},
                              imap::ThreadAlgorithm::kOrderedSubject, false)
            .empty());
}

TEST_CASE("THREAD=REFERENCES") {
  using imap::ThreadAlgorithm;
  auto t = [](const std::vector<imap::SortMessage>& m) {
    return imap::thread_messages(m, ThreadAlgorithm::kReferences, false);
  };
  // A tree from References, In-Reply-To used when References is missing.
  CHECK(t({msg(1, 1, "s1", "<a>"), msg(2, 2, "s2", "<b>", "<a>"), msg(3, 3, "s3", "<c>", "<a> <b>"),
           msg(4, 4, "s4", "<d>", "", "<a>")}) == "(1 (2 3)(4))");
  // Siblings by sent date, not by sequence.
  CHECK(t({msg(1, 1, "s1", "<a>"), msg(2, 9, "s2", "<b>", "<a>"), msg(3, 5, "s3", "<c>", "<a>")}) ==
        "(1 (3)(2))");
  // A missing parent: a dummy with two children stays a root; with one child it goes.
  CHECK(t({msg(1, 1, "s1", "<b>", "<a>"), msg(2, 2, "s2", "<c>", "<a>")}) == "((1)(2))");
  CHECK(t({msg(1, 1, "s1", "<b>", "<a>")}) == "(1)");
  // A missing middle message: its dummy is replaced by its child.
  CHECK(t({msg(1, 1, "s1", "<a>"), msg(2, 2, "s2", "<c>", "<a> <b>")}) == "(1 2)");
  // Roots with the same base subject: a reply goes under the original; two originals under
  // a dummy.
  CHECK(t({msg(1, 1, "hello", "<a>"), msg(2, 2, "Re: hello", "<b>")}) == "(1 2)");
  CHECK(t({msg(1, 1, "hello", "<a>"), msg(2, 2, "hello", "<b>")}) == "((1)(2))");
  CHECK(t({msg(1, 1, "Re: hello", "<a>"), msg(2, 2, "hello", "<b>")}) == "(2 1)");
  // Duplicate Message-IDs: the first keeps it.
  CHECK(t({msg(1, 1, "s1", "<a>"), msg(2, 2, "s2", "<a>"), msg(3, 3, "s3", "<x>", "<a>")}) ==
        "(1 3)(2)");
  // Reference loops are not linked.
  CHECK(t({msg(1, 1, "s1", "<a>", "<b>"), msg(2, 2, "s2", "<b>", "<a>")}) == "(2 1)");
  CHECK(t({msg(1, 1, "s1", "<a>", "<a>")}) == "(1)");
  // Threads ordered by their first message's date; roots without ids or subjects are kept.
  CHECK(t({msg(1, 9, ""), msg(2, 1, ""), msg(3, 5, "x", "<q>")}) == "(2)(3)(1)");
}

TEST_CASE("THREAD=REFERENCES on a long chain and a wide fan neither recurses nor loops") {
  std::vector<imap::SortMessage> chain;
  for (std::uint32_t i = 1; i <= 20000; ++i) {
    chain.push_back(msg(i, i, "s", "<" + std::to_string(i) + ">",
                        i > 1 ? "<" + std::to_string(i - 1) + ">" : ""));
  }
  std::string out = imap::thread_messages(chain, imap::ThreadAlgorithm::kReferences, false);
  // Linked as one chain up to kMaxThreadWalk deep; the rest joins it by subject.
  CHECK(out.find("(1 2 3 4 5 ") != std::string::npos);
  CHECK(out.find(" 900 901 ") != std::string::npos);
  CHECK(out.back() == ')');
  std::vector<imap::SortMessage> comb;  // each message answers the previous one twice over
  for (std::uint32_t i = 1; i <= 5000; ++i) {
    comb.push_back(msg(2 * i - 1, 2 * i - 1, "s", "<" + std::to_string(i) + ">",
                       i > 1 ? "<" + std::to_string(i - 1) + ">" : ""));
    comb.push_back(msg(2 * i, 2 * i, "s", "<leaf" + std::to_string(i) + ">",
                       i > 1 ? "<" + std::to_string(i - 1) + ">" : ""));
  }
  out = imap::thread_messages(comb, imap::ThreadAlgorithm::kReferences, false);
  CHECK(out.size() > 20000);
}

TEST_CASE("tegami-cache.sort blobs: round trip, and anything else refused") {
  imap::SortHeader h;
  h.date = "Mon, 2 Jan 2023 10:00:00 +0900";
  h.subject = "Re: =?UTF-8?B?5Lya6K2w?=";
  h.from = "\"A\" <a@example.com>";
  h.to = "b@example.com";
  h.message_id = "<1@x>";
  h.in_reply_to = "<0@x>";
  h.references = "<0@x> <00@x>";
  h.cc = std::string("nul\0inside", 11);
  std::string blob = imap::encode_sort_header(h);
  imap::SortHeader back;
  REQUIRE(imap::decode_sort_header(blob, back));
  CHECK(back.date == h.date);
  CHECK(back.subject == h.subject);
  CHECK(back.from == h.from);
  CHECK(back.to == h.to);
  CHECK(back.cc == h.cc);
  CHECK(back.message_id == h.message_id);
  CHECK(back.in_reply_to == h.in_reply_to);
  CHECK(back.references == h.references);

  imap::SortHeader untouched;
  untouched.subject = "kept";
  CHECK_FALSE(imap::decode_sort_header("", untouched));
  CHECK_FALSE(imap::decode_sort_header(std::string("\x02") + blob.substr(1), untouched));
  CHECK_FALSE(imap::decode_sort_header(blob.substr(0, blob.size() - 1), untouched));
  CHECK_FALSE(imap::decode_sort_header(blob + "x", untouched));
  std::string huge = blob;
  huge[1] = '\xff';  // the first length points past the end
  huge[4] = '\x7f';
  CHECK_FALSE(imap::decode_sort_header(huge, untouched));
  CHECK(untouched.subject == "kept");
}

TEST_CASE("string keys order as whole-string comparison, whatever their 16-byte prefixes") {
  // Equal prefixes with different tails, a prefix of another, embedded NUL bytes, bytes above
  // 0x7f, the empty string: the ranks must give exactly std::string's order, ties by sequence.
  const std::vector<std::string> texts = {"RELEASE PLAN 1234567 B", "RELEASE PLAN 1234567 A",
                                          "RELEASE PLAN 1234567",   "",
                                          std::string("A\0", 2),    "A",
                                          std::string("A\0B", 3),   "\xc3\xa9MILE",
                                          "RELEASE PLAN 1234567 A", "RELEASE PLAN 123456",
                                          "ZZZZZZZZZZZZZZZZ",       "ZZZZZZZZZZZZZZZZZ",
                                          "ZZZZZZZZZZZZZZZY\xff"};
  std::vector<imap::SortMessage> m(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    m[i].seq = static_cast<std::uint32_t>(i + 1);
    m[i].uid = static_cast<std::uint32_t>(100 + i);
    m[i].subject = texts[i];
    m[i].from = texts[texts.size() - 1 - i];
  }
  for (SortKey key : {SortKey::kSubject, SortKey::kFrom}) {
    for (bool reverse : {false, true}) {
      std::vector<size_t> want(m.size());
      for (size_t i = 0; i < want.size(); ++i) want[i] = i;
      auto text = [&](size_t i) { return key == SortKey::kSubject ? m[i].subject : m[i].from; };
      std::stable_sort(want.begin(), want.end(), [&](size_t a, size_t b) {
        return reverse ? text(b) < text(a) : text(a) < text(b);
      });
      CHECK(imap::sort_messages(m, {{key, reverse}}) == want);
    }
  }
  // Two keys: SUBJECT then REVERSE FROM.
  std::vector<size_t> want(m.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = i;
  std::stable_sort(want.begin(), want.end(), [&](size_t a, size_t b) {
    if (m[a].subject != m[b].subject) return m[a].subject < m[b].subject;
    return m[b].from < m[a].from;
  });
  CHECK(imap::sort_messages(m, {{SortKey::kSubject, false}, {SortKey::kFrom, true}}) == want);
}

TEST_CASE("sort answers of messages owned elsewhere equal those of copies") {
  std::vector<imap::SortMessage> m(3);
  const char* subjects[] = {"B", "A", "B"};
  for (size_t i = 0; i < 3; ++i) {
    m[i].seq = static_cast<std::uint32_t>(i + 1);
    m[i].uid = static_cast<std::uint32_t>(10 * (i + 1));
    m[i].subject = subjects[i];
    m[i].sent = static_cast<std::int64_t>(100 - i);
  }
  std::vector<const imap::SortMessage*> ptrs = {&m[2], &m[0], &m[1]};  // any order
  auto order = imap::sort_messages(ptrs, {{SortKey::kSubject, false}});
  std::vector<std::uint32_t> seqs;
  for (size_t i : order) seqs.push_back(ptrs[i]->seq);
  CHECK(seqs == std::vector<std::uint32_t>{2, 1, 3});
  CHECK(imap::thread_messages(ptrs, imap::ThreadAlgorithm::kOrderedSubject, true) ==
        imap::thread_messages(m, imap::ThreadAlgorithm::kOrderedSubject, true));
  std::string n;
  imap::append_number(n, 0);
  n += ' ';
  imap::append_number(n, 4294967295u);
  CHECK(n == "0 4294967295");
}

TEST_CASE("SortKeyCache answers: found only for the same request over the same matches") {
  using imap::sort_match_id;
  imap::SortKeyCache c;
  std::vector<std::uint64_t> view = {sort_match_id(1, 10), sort_match_id(2, 11),
                                     sort_match_id(3, 12)};
  CHECK(c.find_result("UID SORT c", 7, view) == nullptr);
  c.put_result("UID SORT c", 7, view, "* SORT 12 10 11\r\n");
  const std::string* hit = c.find_result("UID SORT c", 7, view);
  REQUIRE(hit != nullptr);
  CHECK(*hit == "* SORT 12 10 11\r\n");
  // Another request, another UIDVALIDITY: not this answer.
  CHECK(c.find_result("SORT c", 7, view) == nullptr);
  CHECK(c.find_result("UID SORT f", 7, view) == nullptr);
  CHECK(c.find_result("UID SORT c", 8, view) == nullptr);
  // A flag change that makes the search find one message less, a message expunged (numbers
  // shift), a new message: each gives another match list, so the answer is made again.
  auto fewer = view;
  fewer.erase(fewer.begin() + 1);
  CHECK(c.find_result("UID SORT c", 7, fewer) == nullptr);
  std::vector<std::uint64_t> renumbered = {sort_match_id(1, 11), sort_match_id(2, 12)};
  CHECK(c.find_result("UID SORT c", 7, renumbered) == nullptr);
  auto more = view;
  more.push_back(sort_match_id(4, 13));
  CHECK(c.find_result("UID SORT c", 7, more) == nullptr);
  // The same request over new matches replaces the old answer.
  c.put_result("UID SORT c", 7, more, "* SORT 12 10 11 13\r\n");
  CHECK(c.find_result("UID SORT c", 7, view) == nullptr);
  CHECK(*c.find_result("UID SORT c", 7, more) == "* SORT 12 10 11 13\r\n");
  CHECK(c.result_count() == 1);
  // At most kMaxResults answers; the least recently used goes first.
  for (size_t i = 0; i < imap::SortKeyCache::kMaxResults; ++i) {
    c.put_result("THREAD " + std::to_string(i), 7, more, "* THREAD\r\n");
    if (i == 1) CHECK(c.find_result("UID SORT c", 7, more) != nullptr);  // used: kept
  }
  CHECK(c.result_count() == imap::SortKeyCache::kMaxResults);
  CHECK(c.find_result("UID SORT c", 7, more) != nullptr);
  CHECK(c.find_result("THREAD 0", 7, more) == nullptr);
  CHECK(c.find_result("THREAD 3", 7, more) != nullptr);
}

TEST_CASE("ESORT answers: numbers in sort order, MIN/MAX first and last, SAVE's set") {
  using V = std::vector<std::uint32_t>;
  CHECK(imap::esort_set({}).empty());
  CHECK(imap::esort_set(V{11, 4, 15, 1, 2, 3, 7, 5, 6}) == "11,4,15,1:3,7,5:6");
  CHECK(imap::esort_set(V{5, 4, 3}) == "5,4,3");  // a descending run stays as it is
  CHECK(imap::esort_set(V{9}) == "9");
  const unsigned all4 =
      imap::kEsearchMin | imap::kEsearchMax | imap::kEsearchAll | imap::kEsearchCount;
  CHECK(imap::esort_response(false, all4, V{7, 2, 3}, 0) == " MIN 7 MAX 3 ALL 7,2:3 COUNT 3\r\n");
  CHECK(imap::esort_response(true, all4, {}, 0) == " UID COUNT 0\r\n");
  CHECK(imap::esort_response(true, imap::kEsearchAll, {}, 0) == " UID\r\n");
  CHECK(imap::esort_response(false, imap::kEsearchCount, V{1}, 42) == " COUNT 1 MODSEQ 42\r\n");
  CHECK(imap::esort_response(false, imap::kEsearchSave, V{1}, 0).empty());
  // SAVE keeps UIDs ascending: all of them, or the ends in sort order with MIN/MAX alone.
  CHECK(imap::esort_saved_result(imap::kEsearchSave, V{30, 10, 20}) == V{10, 20, 30});
  CHECK(imap::esort_saved_result(imap::kEsearchSave | imap::kEsearchMin, V{30, 10, 20}) == V{30});
  CHECK(imap::esort_saved_result(imap::kEsearchSave | imap::kEsearchMin | imap::kEsearchMax,
                                 V{30, 10, 20}) == V{20, 30});
  CHECK(imap::esort_saved_result(imap::kEsearchSave | imap::kEsearchMax | imap::kEsearchCount,
                                 V{30, 10, 20}) == V{10, 20, 30});
  CHECK(imap::esort_saved_result(imap::kEsearchSave | imap::kEsearchMin, {}).empty());
}

TEST_CASE("extend_sort: the later messages merged in give sort_messages' order") {
  // Random keys with many ties (small ranges), every criteria list of one or two keys.
  std::uint64_t state = 12345;
  auto rnd = [&](std::uint64_t mod) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % mod;
  };
  const char* texts[] = {"", "A", "AB", "RELEASE PLAN 1234567 X", "RELEASE PLAN 1234567 Y", "B"};
  std::vector<imap::SortMessage> m(60);
  for (size_t i = 0; i < m.size(); ++i) {
    m[i].seq = static_cast<std::uint32_t>(i + 1);
    m[i].uid = static_cast<std::uint32_t>(3 * i + 7);
    m[i].sent = static_cast<std::int64_t>(rnd(5));
    m[i].arrival = static_cast<std::int64_t>(rnd(4));
    m[i].size = rnd(3);
    m[i].subject = texts[rnd(6)];
    m[i].from = texts[rnd(6)];
  }
  std::vector<const imap::SortMessage*> all;
  for (const auto& x : m) all.push_back(&x);
  const SortKey keys[] = {SortKey::kDate, SortKey::kSubject, SortKey::kSize, SortKey::kFrom,
                          SortKey::kArrival};
  for (SortKey k1 : keys) {
    for (SortKey k2 : keys) {
      for (int rev = 0; rev < 4; ++rev) {
        std::vector<imap::SortCriterion> c = {{k1, (rev & 1) != 0}};
        if (k2 != k1) c.push_back({k2, (rev & 2) != 0});
        auto full = imap::sort_messages(all, c);
        std::vector<std::uint32_t> want(full.begin(), full.end());
        for (size_t known : {size_t{0}, size_t{1}, size_t{30}, size_t{59}, size_t{60}}) {
          std::vector<const imap::SortMessage*> first(all.begin(),
                                                      all.begin() + static_cast<long>(known));
          auto part = imap::sort_messages(first, c);
          std::vector<std::uint32_t> known_order(part.begin(), part.end());
          CHECK(imap::extend_sort(all, c, known_order) == want);
        }
      }
    }
  }
}

TEST_CASE("SortKeyCache orders: found for the same request over a strict prefix only") {
  using imap::sort_match_id;
  imap::SortKeyCache c;
  std::vector<std::uint64_t> view = {sort_match_id(1, 10), sort_match_id(2, 11)};
  c.put_result("SORT c", 7, view, "* SORT 2 1\r\n", {1, 0});
  auto more = view;
  more.push_back(sort_match_id(3, 12));
  const std::vector<std::uint32_t>* order = c.find_order("SORT c", 7, more);
  REQUIRE(order != nullptr);
  CHECK(*order == std::vector<std::uint32_t>{1, 0});
  CHECK(c.find_order("SORT c", 7, view) == nullptr);  // not a strict prefix: find_result's
  CHECK(c.find_order("SORT f", 7, more) == nullptr);  // another request
  CHECK(c.find_order("SORT c", 8, more) == nullptr);  // another UIDVALIDITY
  std::vector<std::uint64_t> renumbered = {sort_match_id(1, 11), sort_match_id(2, 12),
                                           sort_match_id(3, 13)};
  CHECK(c.find_order("SORT c", 7, renumbered) == nullptr);  // an expunge: not a prefix
  c.put_result("THREAD", 7, view, "* THREAD (1)(2)\r\n");   // no order kept
  CHECK(c.find_order("THREAD", 7, more) == nullptr);
}
