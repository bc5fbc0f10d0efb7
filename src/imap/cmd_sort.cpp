// SORT, UID SORT (RFC 5256 section 3, RFC 5957 DISPLAYFROM/DISPLAYTO) and THREAD, UID THREAD
// (RFC 5256 section 4).
//
// The search criteria are the SEARCH program (search_program.h), after the charset the
// command names. Like SEARCH, the work is a resumable job run on the worker pool in batches of
// bounded time over a snapshot of the messages the client knows, in two phases. First each
// message is matched (search_match.h; `ALL` matches without looking); if the session's answer
// cache (sort_cache.h) holds an answer for this request over exactly these matches, that is the
// answer. Otherwise what the sort keys need is taken, per match, from the session's key cache,
// else from the folder's tegami-cache.sort, else from its ENVELOPE fields in the structure
// cache (structure_cache.h), else, when the message was never parsed, from its header block
// alone (no body is read) — THREAD=REFERENCES also reads the header block for References. The
// keys stay in the key cache for the rest of the selection and are sorted in place (by
// pointer). The ordering and the threads are pure functions (sort.h, thread.h) applied on the
// worker once all matches are in.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/esearch.h"
#include "imap/message_file.h"
#include "imap/response_code.h"
#include "imap/search_match.h"
#include "imap/search_program.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/sort.h"
#include "imap/sort_cache.h"
#include "imap/structure_cache.h"
#include "imap/thread.h"
#include "imap/utf8_accept.h"
#include "maildir/message_cache.h"
#include "mime/parser.h"
#include "mime/structure.h"

namespace imap {

namespace {

constexpr auto kBatchTime = std::chrono::milliseconds(20);

// MessageAccess over one message of the view, through a MessageFile opened on first use and
// shared with the structure lookup.
class HitAccess final : public MessageAccess {
 public:
  HitAccess(maildir::Mailbox& mb, size_t i) : mb_(mb), i_(i) {}

  std::optional<std::uint64_t> size() override {
    auto v = mb_.vsize(i_);
    return v.ok() ? std::optional<std::uint64_t>(*v) : std::nullopt;
  }
  std::optional<std::int64_t> internal_date() override {
    auto d = mb_.internal_date(i_);
    return d.ok() ? std::optional<std::int64_t>(*d) : std::nullopt;
  }
  bool has_keyword(std::string_view name) override {
    auto k = mb_.keywords().find(name);
    return k && mb_.flags(i_).has_keyword(*k);
  }
  bool read(std::uint64_t offset, size_t len, std::string& out) override {
    out.clear();
    auto f = file();
    if (!f.ok()) return false;
    auto r = (*f)->read(offset, len);
    if (!r.ok()) return false;
    out = std::move(*r);
    return true;
  }
  maildir::Result<std::shared_ptr<MessageFile>> file() {
    if (!file_) {
      auto f = MessageFile::open(mb_.path(i_));
      if (!f.ok()) return f.status();  // vanished (expunged elsewhere): the next sync says so
      file_ = std::move(*f);
    }
    return file_;
  }

 private:
  maildir::Mailbox& mb_;
  size_t i_;
  std::shared_ptr<MessageFile> file_;
};

void take_envelope(const mime::Structure& st, SortHeader& h) {
  if (st.parts.empty() || st.parts[0].envelope == mime::Part::kNone) return;
  const mime::EnvelopeFields& e = st.envelopes[st.parts[0].envelope];
  h.date = e.date;
  h.subject = e.subject;
  h.from = e.from;
  h.to = e.to;
  h.cc = e.cc;
  h.message_id = e.message_id;
  h.in_reply_to = e.in_reply_to;
}

// The message's header block (up to and including the blank line that ends it; at most
// kMaxSearchHeader bytes), read in one 16 KB piece for most messages. False if unreadable.
bool read_header_block(HitAccess& access, std::string& header) {
  std::string chunk;
  std::uint64_t offset = 0;
  size_t want = 16 * 1024;
  while (header.size() < kMaxSearchHeader) {
    if (!access.read(offset, want, chunk)) return false;
    if (chunk.empty()) return true;
    offset += chunk.size();
    size_t from = header.size() > 2 ? header.size() - 2 : 0;
    header += chunk;
    if (header[0] == '\n' || header.rfind("\r\n", 0) == 0) {
      header.resize(header[0] == '\n' ? 1 : 2);
      return true;
    }
    size_t end = std::min(header.find("\n\n", from), header.find("\n\r\n", from));
    if (end != std::string::npos) {
      header.resize(end + (header[end + 1] == '\n' ? 2 : 3));
      return true;
    }
    if (chunk.size() < want) return true;  // the whole message is header
    want = 64 * 1024;
  }
  return true;
}

// SortHeader from the ENVELOPE fields of the message's structure when the structure cache has
// it; otherwise from its header block alone, parsed by the same MIME parser (a first SORT of a
// big folder reads and parses no bodies; the structure is parsed when a FETCH needs it).
// References (not an ENVELOPE field) from the header block when `references`.
// `complete`: set when every field, References included, was filled (worth keeping in
// tegami-cache.sort).
bool sort_header(SelectedBox& box, size_t i, HitAccess& access, bool references, SortHeader& h,
                 bool& complete) {
  complete = false;
  if (auto st = structure_cache(box).cached(box.mailbox.record(i).uid)) {
    take_envelope(*st, h);
    if (references && !st->parts.empty()) {
      std::string header;
      size_t len =
          static_cast<size_t>(std::min<std::uint64_t>(st->parts[0].header.lf, kMaxSearchHeader));
      if (access.read(st->parts[0].header_offset, len, header)) {
        h.references = header_field(header, "References");
        complete = true;
      }
    }
    return true;
  }
  std::string header;
  if (!read_header_block(access, header)) return false;  // vanished meanwhile
  mime::Parser parser;
  parser.feed(header);
  take_envelope(parser.finish(), h);
  h.references = header_field(header, "References");
  complete = true;
  return true;
}

}  // namespace

namespace {

// True when `key` matches every message without looking at it (`ALL`, possibly nested in
// ANDs): clients sort whole folders with it.
bool matches_everything(const SearchKey& key) {
  if (key.kind != SearchKey::Kind::kAnd) return false;
  return std::all_of(key.children.begin(), key.children.end(),
                     [](const SearchKey& c) { return matches_everything(c); });
}

// The untagged answer from the hits and, for SORT, their order (indexes into the hits).
using Answer = std::function<std::string(const std::vector<const SortMessage*>& hits,
                                         const std::vector<std::uint32_t>& order)>;

struct SortJob {
  std::shared_ptr<SelectedBox> box;
  SearchKey root;
  bool uid = false;
  unsigned need = 0;
  bool references = false;          // THREAD=REFERENCES: read References too
  std::vector<std::uint32_t> uids;  // the client's messages at the start, in sequence order
  std::uint32_t max_uid = 0;
  size_t next = 0;  // in `uids` (matching), then in `found` (keys)
  bool keys_phase = false;
  std::vector<std::uint64_t> found;  // sort_match_id of each match, in sequence order
  // The matches' keys: entries of the box's SortKeyCache (their seq set to this command's
  // numbering), or of `owned` when the cache is full. Nothing is copied per SORT.
  std::shared_ptr<SortKeyCache> cache;
  std::vector<const SortMessage*> hits;
  std::deque<SortMessage> owned;
  std::vector<std::uint64_t> matched;   // sort_match_id of each hit (keys found)
  std::string request;                  // names the command for the answer cache ("" = none)
  Answer make_answer;                   // the untagged line from the hits, in the final batch
  std::vector<SortCriterion> criteria;  // SORT's (THREAD: none)
  std::string answer;
  std::string answer_prefix;  // ESORT: `* ESEARCH (TAG "t")`, which answers do not cache
  bool done = false;
  maildir::Status status;
  std::string updates;
  // The folder's tegami-cache.sort (SortKeyCache::disk), opened when a message's keys are
  // not in memory: its header fields, kept for other sessions and processes (a new session's
  // first SORT reads neither the messages nor their structures).
  maildir::MessageCache* disk = nullptr;

  bool load_sort_header(size_t i, std::uint32_t uid, HitAccess& access, SortHeader& h) {
    if (!disk) {
      // Kept open with the key cache: a later miss (a new message) reads only the records
      // appended since, not the whole file again.
      const std::uint32_t uv = box->mailbox.uid_validity();
      if (!cache->disk || cache->disk_uid_validity != uv) {
        cache->disk = std::make_unique<maildir::MessageCache>(box->mailbox.dir(), uv,
                                                              maildir::kSortCacheFileName);
        cache->disk_uid_validity = uv;
      }
      disk = cache->disk.get();
    }
    if (auto blob = disk->get(uid); blob && decode_sort_header(*blob, h)) return true;
    h = SortHeader{};
    bool complete = false;
    if (!sort_header(*box, i, access, references, h, complete)) return false;
    if (complete) disk->put(uid, encode_sort_header(h));
    return true;
  }

  // The keys of message `i` (UID `u`, number `seq`), from the cache or computed now and kept
  // there; nullptr when the message vanished meanwhile.
  const SortMessage* keys_of(size_t i, std::uint32_t u, std::uint32_t seq, bool& computed) {
    auto& by_uid = cache->by_uid;
    auto e = by_uid.find(u);
    computed = false;
    if (e != by_uid.end() && (e->second.need & need) == need) {
      e->second.keys.seq = seq;
      return &e->second.keys;
    }
    computed = true;
    HitAccess access(box->mailbox, i);
    SortHeader h;
    if (!load_sort_header(i, u, access, h)) return nullptr;  // vanished meanwhile
    unsigned all = need | (e != by_uid.end() ? e->second.need : 0);
    // The internal date (a stat) only for ARRIVAL or a Date: that does not parse; the
    // size (may read the whole file) only for SIZE: most sorts need neither.
    std::int64_t arrival = 0;
    if ((all & sort_need(SortKey::kArrival)) || !parse_sent_time(h.date)) {
      arrival = access.internal_date().value_or(0);
      all |= sort_need(SortKey::kArrival);
    }
    std::uint64_t size = 0;
    if (all & sort_need(SortKey::kSize)) size = access.size().value_or(0);
    SortMessage m = make_sort_message(seq, u, arrival, size, h, all);
    if (e != by_uid.end()) {
      e->second = SortKeyCache::Entry{all, std::move(m)};  // same node: earlier pointers stay
      return &e->second.keys;
    }
    if (by_uid.size() < SortKeyCache::kMaxEntries) {
      return &by_uid.emplace(u, SortKeyCache::Entry{all, std::move(m)}).first->second.keys;
    }
    owned.push_back(std::move(m));
    return &owned.back();
  }

  // Worker thread: runs until the batch time is used up or all is done, in two phases.
  // Matching: the messages the search finds, as (sequence number, UID); when the answer cache
  // has an answer for exactly those, that is the answer. Keys: each match's keys from the key
  // cache or computed (keys_of); then the answer. The final batch writes the caches and syncs
  // (no EXPUNGE, RFC 3501 7.4.1).
  void run_batch() {
    const auto start = std::chrono::steady_clock::now();
    if (!cache) {
      // Taken once: the hits point into this cache, which the job keeps alive.
      if (!box->sort_keys) box->sort_keys = std::make_shared<SortKeyCache>();
      cache = box->sort_keys;
    }
    // A MODSEQ key (RFC 7162) needs the folder's modseqs, and its answer carries the highest
    // modseq: never cached.
    const bool modseq = uses_modseq(root);
    if (!keys_phase) {
      if (modseq && next == 0 && !(status = ensure_modseq(*box)).ok()) {
        done = true;
        return;
      }
      if (!match_batch(start, modseq)) return;
      keys_phase = true;
      next = 0;
      if (!modseq && !request.empty()) {
        if (const std::string* a =
                cache->find_result(request, box->mailbox.uid_validity(), found)) {
          answer = *a;
          finish();
          return;
        }
      }
    }
    if (!keys_batch(start)) return;
    finish();
    const bool cacheable = !modseq && !request.empty();
    const std::uint32_t uv = box->mailbox.uid_validity();
    std::vector<std::uint32_t> order;
    if (!criteria.empty()) {
      // New mail at the end of the view since the last identical SORT: merge it into that
      // order instead of sorting everything again.
      const std::vector<std::uint32_t>* known =
          cacheable ? cache->find_order(request, uv, matched) : nullptr;
      if (known != nullptr) {
        order = extend_sort(hits, criteria, *known);
      } else {
        for (size_t i : sort_messages(hits, criteria)) {
          order.push_back(static_cast<std::uint32_t>(i));
        }
      }
    }
    answer = make_answer(hits, order);
    if (cacheable) cache->put_result(request, uv, std::move(matched), answer, std::move(order));
  }

  // The record of UID `u` in the view: `hint` first (the view is in UID order like `uids`,
  // so most lookups are the next record), else a search. nullopt if gone.
  std::optional<size_t> record_of(std::uint32_t u, size_t& hint) const {
    const maildir::Mailbox& mb = box->mailbox;
    std::optional<size_t> i;
    if (hint < mb.count() && mb.record(hint).uid == u) {
      i = hint;
    } else {
      i = mb.find_uid(u);
    }
    if (i) hint = *i + 1;
    return i;
  }

  // Matching phase; false when the batch time ran out first.
  bool match_batch(std::chrono::steady_clock::time_point start, bool modseq) {
    maildir::Mailbox& mb = box->mailbox;
    if (found.capacity() < uids.size()) found.reserve(uids.size());
    // `ALL` (what clients send to sort a folder) needs no per-message matching.
    const bool all = matches_everything(root);
    size_t hint = 0;
    while (next < uids.size()) {
      std::uint32_t u = uids[next];
      const auto seq = static_cast<std::uint32_t>(++next);
      std::optional<size_t> i = record_of(u, hint);
      if (!i) continue;
      if (!all) {
        MessageFacts facts;
        facts.seq = seq;
        facts.uid = u;
        facts.max_seq = static_cast<std::uint32_t>(uids.size());
        facts.max_uid = max_uid;
        facts.flags = mb.flags(*i).system;
        facts.recent = std::binary_search(box->recent.begin(), box->recent.end(), u);
        facts.modseq = modseq ? modseq_of(*box, u) : 0;
        HitAccess access(mb, *i);
        MessageMatcher m(facts, access);
        if (!m.matches(root)) continue;
      }
      found.push_back(sort_match_id(seq, u));
      if (all && next % 1024 != 0) continue;  // cheap: look at the clock now and then
      if (std::chrono::steady_clock::now() - start >= kBatchTime) return false;
    }
    return true;
  }

  // Keys phase; false when the batch time ran out first.
  bool keys_batch(std::chrono::steady_clock::time_point start) {
    maildir::Mailbox& mb = box->mailbox;
    if (hits.capacity() < found.size()) {
      hits.reserve(found.size());
      matched.reserve(found.size());
    }
    size_t hint = 0;
    while (next < found.size()) {
      const std::uint64_t id = found[next++];
      const auto u = static_cast<std::uint32_t>(id);
      std::optional<size_t> i = record_of(u, hint);
      if (!i) continue;
      bool computed = false;
      const SortMessage* keys = keys_of(*i, u, static_cast<std::uint32_t>(id >> 32), computed);
      if (keys == nullptr) continue;  // vanished meanwhile
      hits.push_back(keys);
      matched.push_back(id);
      if (!computed && next % 256 != 0) continue;  // cheap: look at the clock now and then
      if (std::chrono::steady_clock::now() - start >= kBatchTime) {
        if (disk) (void)disk->flush(mb.count());  // each batch's finds: memory stays bounded
        return false;
      }
    }
    return true;
  }

  void finish() {
    maildir::Mailbox& mb = box->mailbox;
    if (box->structures) box->structures->flush(mb.count());
    if (disk) (void)disk->flush(mb.count());  // a cache: a failed write only costs a re-read
    auto up = sync_updates(*box, false);
    if (up.ok()) {
      updates = std::move(*up);
    } else {
      status = up.status();
    }
    done = true;
  }
};

void continue_job(Session& s, std::string tag, std::string done_text,
                  std::shared_ptr<SortJob> job) {
  s.conn().run_blocking(
      [job] { job->run_batch(); },
      [&s, tag = std::move(tag), done_text = std::move(done_text), job]() mutable {
        if (!job->done) {
          continue_job(s, std::move(tag), std::move(done_text), job);
          return;
        }
        std::string out =
            job->answer_prefix.empty() ? std::move(job->answer) : job->answer_prefix + job->answer;
        out += job->updates;
        s.conn().send(std::move(out));
        if (job->status.ok()) {
          s.tagged(tag, done_text);
        } else {
          s.tagged(tag, no_response(job->status));
        }
        s.finish_async();
      });
}

// Parses `charset search-criteria` from c.args[1..] into the job. False after answering.
bool parse_criteria(Session& s, Command& c, size_t at, const char* what, SortJob& job,
                    bool clear_saved = false) {
  if (at >= c.args.size() || !c.args[at].is_astring()) {
    s.bad(c.tag, std::string("Error in ") + what + ": missing charset");
    return false;
  }
  if (charset_conflicts_utf8(s.enabled().utf8_accept, c.args[at].text)) {
    s.bad(c.tag,
          std::string("Error in ") + what + ": UTF8=ACCEPT is enabled: charset must be UTF-8");
    return false;
  }
  std::vector<Arg> program;
  program.reserve(c.args.size() + 1);
  program.push_back(Arg{Arg::Kind::kAtom, "CHARSET", {}, false});
  program.insert(program.end(), c.args.begin() + static_cast<std::ptrdiff_t>(at), c.args.end());
  SearchProgram parsed;
  SearchParseError error;
  if (!parse_search_program(program, 0, parsed, error)) {
    if (error.kind == SearchParseError::Kind::kBadCharset) {
      if (clear_saved) s.selected()->saved_result.clear();  // NO: `$` is empty (RFC 5182)
      s.tagged(c.tag, "NO [BADCHARSET (" + std::string(search_charsets()) + ")] " + error.message);
    } else {
      s.bad(c.tag, std::string("Error in ") + what + ": " + error.message);
    }
    return false;
  }
  job.root = std::move(parsed.root);
  bind_search_context(job.root, s.selected()->saved_result,
                      static_cast<std::int64_t>(::time(nullptr)));  // `$`, OLDER/YOUNGER
  normalize_search_keys(job.root);
  job.box = s.selected();
  job.uids = job.box->client_uids;
  const maildir::Mailbox& mb = job.box->mailbox;
  job.max_uid = mb.count() ? mb.record(mb.count() - 1).uid : 0;
  return true;
}

}  // namespace

void cmd_sort(Session& s, Command& c) {
  // ESORT (RFC 5267 section 3): `RETURN (options)` before the sort criteria.
  unsigned esort = 0;
  size_t first = 0;
  std::string error;
  if (c.args.size() >= 5 && c.args[0].kind == Arg::Kind::kAtom &&
      mime::iequals(c.args[0].text, "RETURN")) {
    if (!parse_return_options(c.args[1], esort, error)) {
      s.bad(c.tag, "Error in SORT: " + error);
      return;
    }
    first = 2;
  }
  std::vector<SortCriterion> criteria;
  if (!parse_sort_criteria(c.args[first], criteria, error)) {
    s.bad(c.tag, "Error in SORT: " + error);
    return;
  }
  auto job = std::make_shared<SortJob>();
  if (!parse_criteria(s, c, first + 1, "SORT", *job, esort & kEsearchSave)) return;
  job->uid = c.name == "UID SORT";
  job->request = job->uid ? "UID SORT" : "SORT";
  if (esort != 0) {
    job->request += " RETURN " + std::to_string(esort);
    if (esort != kEsearchSave) job->answer_prefix = "* ESEARCH (TAG \"" + c.tag + "\")";
  }
  for (const SortCriterion& k : criteria) {
    job->need |= sort_need(k.key);
    job->request += ' ';
    job->request += static_cast<char>('a' + static_cast<int>(k.key) + (k.reverse ? 16 : 0));
  }
  const bool modseq = uses_modseq(job->root);
  if (esort & kEsearchSave) job->request.clear();  // sets `$`: runs every time
  job->criteria = std::move(criteria);
  job->make_answer = [modseq, esort, uid = job->uid, box = job->box](
                         const std::vector<const SortMessage*>& hits,
                         const std::vector<std::uint32_t>& order) {
    std::vector<std::uint32_t> ordered;
    ordered.reserve(hits.size());
    std::uint64_t highest = 0;  // RFC 7162 3.1.5: (MODSEQ n) with a MODSEQ key
    const bool with_modseq = modseq && box->modseq;
    for (std::uint32_t i : order) {
      ordered.push_back(uid ? hits[i]->uid : hits[i]->seq);
      if (with_modseq) highest = std::max(highest, modseq_of(*box, hits[i]->uid));
    }
    if (esort & kEsearchSave) {
      std::vector<std::uint32_t> uids;  // in sort order
      uids.reserve(ordered.size());
      for (std::uint32_t i : order) uids.push_back(hits[i]->uid);
      box->saved_result = esort_saved_result(esort, uids);
    }
    if (esort != 0) return esort_response(uid, esort, ordered, highest);
    std::string line;
    line.reserve(8 + ordered.size() * 8);
    line += "* SORT";
    for (std::uint32_t n : ordered) {
      line += ' ';
      append_number(line, n);
    }
    if (highest != 0) line += " (MODSEQ " + std::to_string(highest) + ")";
    return line + "\r\n";
  };
  s.begin_async();
  continue_job(s, c.tag, "OK Sort completed.", std::move(job));
}

void cmd_thread(Session& s, Command& c) {
  auto algorithm =
      c.args[0].kind == Arg::Kind::kAtom ? parse_thread_algorithm(c.args[0].text) : std::nullopt;
  if (!algorithm) {
    s.bad(c.tag, "Error in THREAD: unknown threading algorithm");
    return;
  }
  auto job = std::make_shared<SortJob>();
  if (!parse_criteria(s, c, 1, "THREAD", *job)) return;
  job->uid = c.name == "UID THREAD";
  job->need = sort_need(SortKey::kSubject);
  if (*algorithm == ThreadAlgorithm::kReferences) {
    job->need |= kNeedThreadIds;
    job->references = true;
  }
  job->request = std::string(job->uid ? "UID THREAD " : "THREAD ") +
                 (*algorithm == ThreadAlgorithm::kReferences ? "REFERENCES" : "ORDEREDSUBJECT");
  job->make_answer = [alg = *algorithm, uid = job->uid](
                         const std::vector<const SortMessage*>& hits,
                         const std::vector<std::uint32_t>& /*order: none for THREAD*/) {
    std::string body = thread_messages(hits, alg, uid);
    return body.empty() ? std::string("* THREAD\r\n") : "* THREAD " + body + "\r\n";
  };
  s.begin_async();
  continue_job(s, c.tag, "OK Thread completed.", std::move(job));
}

}  // namespace imap
