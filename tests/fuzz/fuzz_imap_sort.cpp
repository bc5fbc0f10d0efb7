// fuzz-links: tegami_imap
// SORT and THREAD on arbitrary bytes. The first line is the arguments of "t SORT ..." (the
// criteria list is parsed); the rest is split at NUL bytes into messages, each "subject\n
// date\nmessage-id\nreferences\nfrom": every parser (base subject, sent time, msg-ids,
// addresses) runs on them, then both sorting and both threading algorithms. Nothing may crash,
// and the thread list must name every message exactly once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imap/base_subject.h"
#include "imap/parser.h"
#include "imap/sort.h"
#include "imap/thread.h"

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

// Every number of the thread list once; parentheses balanced.
void check_threads(const std::string& list, size_t count) {
  std::vector<int> seen(count + 1, 0);
  int depth = 0;
  size_t i = 0;
  while (i < list.size()) {
    char c = list[i];
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth < 0) std::abort();
    } else if (c >= '0' && c <= '9') {
      size_t n = 0;
      while (i < list.size() && list[i] >= '0' && list[i] <= '9') n = n * 10 + (list[i++] - '0');
      if (n == 0 || n > count || seen[n]++) std::abort();
      continue;
    } else if (c != ' ') {
      std::abort();
    }
    ++i;
  }
  if (depth != 0) std::abort();
  for (size_t n = 1; n <= count; ++n) {
    if (!seen[n]) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The whole input as a tegami-cache.sort blob: refused or decoded, and what decodes
  // encodes back to the same bytes.
  if (imap::SortHeader h; imap::decode_sort_header(in, h)) {
    if (imap::encode_sort_header(h) != in) std::abort();
  }
  size_t nl = in.find('\n');
  std::string_view first = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  std::vector<imap::SortCriterion> criteria = {{imap::SortKey::kSubject, false}};
  imap::Command c;
  std::string err;
  if (imap::parse_command("t SORT " + std::string(first) + "\r\n", imap::ParserLimits{}, c, err) &&
      !c.args.empty()) {
    std::vector<imap::SortCriterion> parsed;
    if (imap::parse_sort_criteria(c.args[0], parsed, err)) criteria = parsed;
  }

  unsigned need = imap::kNeedThreadIds;
  for (unsigned k = 0; k <= static_cast<unsigned>(imap::SortKey::kDisplayTo); ++k) {
    need |= imap::sort_need(static_cast<imap::SortKey>(k));
  }
  std::vector<imap::SortMessage> msgs;
  std::uint32_t seq = 0;
  for (std::string_view m : split(rest, '\0')) {
    if (msgs.size() >= 200) break;
    auto f = split(m, '\n');
    f.resize(5);
    imap::SortHeader h;
    h.subject = f[0];
    h.date = f[1];
    h.message_id = f[2];
    h.references = f[3];
    h.in_reply_to = f[3];
    h.from = h.to = h.cc = f[4];
    ++seq;
    msgs.push_back(imap::make_sort_message(seq, seq, seq * 1000, m.size(), h, need));
    (void)imap::header_field(m, "References");
  }
  auto order = imap::sort_messages(msgs, criteria);
  if (order.size() != msgs.size()) std::abort();
  for (auto alg : {imap::ThreadAlgorithm::kOrderedSubject, imap::ThreadAlgorithm::kReferences}) {
    check_threads(imap::thread_messages(msgs, alg, false), msgs.size());
  }
  return 0;
}
