// SEARCH and UID SEARCH (RFC 3501 6.4.4, 7.2.5), with ESEARCH's RETURN options (RFC 4731,
// esearch.h).
//
// The program is parsed on the loop thread (search_program.h: BAD on a syntax error,
// NO [BADCHARSET (...)] on an unknown charset). The search itself is a resumable job: it runs
// on the worker pool in batches of bounded time (kBatchTime) over a snapshot of the messages
// the client knows, so a search over 100,000 messages never holds a worker for long and other
// work queued on the pool (other sessions' commands) runs between batches. Input stays paused
// until the answer, so the selected mailbox is used by one thread at a time.
//
// Each message is matched by search_match.h: view facts first (flags, UID, size, dates), then
// the header, then the body, each read from the file in chunks only when needed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/esearch.h"
#include "imap/response_code.h"
#include "imap/search_match.h"
#include "imap/search_program.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/utf8_accept.h"
#include "maildir/message_cache.h"
#include "mime/structure.h"

namespace imap {

namespace {

constexpr auto kBatchTime = std::chrono::milliseconds(20);

// MessageAccess over message i of a Maildir view: facts from the view, bytes with pread.
class FileAccess final : public MessageAccess {
 public:
  // `cache`: the folder's tegami-cache.search, or null.
  FileAccess(maildir::Mailbox& mb, size_t i, maildir::MessageCache* cache = nullptr)
      : mb_(mb), i_(i), cache_(cache) {}
  ~FileAccess() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FileAccess(const FileAccess&) = delete;
  FileAccess& operator=(const FileAccess&) = delete;

  std::optional<std::uint64_t> size() override {
    auto v = mb_.vsize(i_);
    if (!v.ok()) return std::nullopt;
    return *v;
  }
  std::optional<std::int64_t> internal_date() override {
    auto d = mb_.internal_date(i_);
    if (!d.ok()) return std::nullopt;
    return *d;
  }
  bool has_keyword(std::string_view name) override {
    auto k = mb_.keywords().find(name);
    return k && mb_.flags(i_).has_keyword(*k);
  }
  bool read(std::uint64_t offset, size_t len, std::string& out) override {
    out.clear();
    if (fd_ < 0) {
      if (failed_) return false;
      const std::string path = mb_.path(i_);
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);  // see message_file.cpp
      if (fd_ < 0 && errno == EPERM) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        failed_ = true;  // vanished (expunged elsewhere): the next sync reports it
        return false;
      }
    }
    out.resize(len);
    ssize_t n;
    do {
      n = ::pread(fd_, out.data(), len, static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      out.clear();
      return false;
    }
    out.resize(static_cast<size_t>(n));
    return true;
  }
  bool cached_header(CachedSearchHeader& out) override {
    if (!cache_) return false;
    auto blob = cache_->get(mb_.record(i_).uid);
    return blob && decode_search_header(*blob, out);
  }
  void store_header(const CachedSearchHeader& h) override {
    if (cache_) cache_->put(mb_.record(i_).uid, encode_search_header(h));
  }

 private:
  maildir::Mailbox& mb_;
  size_t i_;
  maildir::MessageCache* cache_;
  int fd_ = -1;
  bool failed_ = false;
};

// One SEARCH in progress: the snapshot it walks, where it is and what it found.
struct SearchJob {
  std::shared_ptr<SelectedBox> box;
  SearchKey root;
  bool uid = false;
  unsigned esearch = 0;             // RETURN options (esearch.h); 0: a plain SEARCH
  bool modseq = false;              // a MODSEQ key (RFC 7162): answer with (MODSEQ highest)
  std::uint64_t highest_hit = 0;    // the largest modseq of the matches
  std::vector<std::uint32_t> uids;  // the client's messages at the start, in sequence order
  std::uint32_t max_uid = 0;
  size_t next = 0;                  // index into uids of the next message to match
  std::vector<std::uint32_t> hits;  // sequence numbers or UIDs
  bool done = false;
  maildir::Status status;
  std::string updates;  // untagged updates of the final sync
  // The folder's tegami-cache.search when the program reads headers and needs only the fields
  // it keeps: a repeated header SEARCH (in any session or process) reads no message files.
  std::unique_ptr<maildir::MessageCache> header_cache;

  // Matches messages until the batch time is used up or all are done; the final batch also
  // syncs (no EXPUNGE during SEARCH, RFC 3501 7.4.1). Worker thread.
  void run_batch() {
    auto start = std::chrono::steady_clock::now();
    maildir::Mailbox& mb = box->mailbox;
    const auto& recent = box->recent;
    if (modseq && next == 0) {
      status = ensure_modseq(*box);
      if (!status.ok()) {
        done = true;
        return;
      }
    }
    const bool cache_headers = needs_message_text(root) && header_cache_suffices(root);
    if (cache_headers && !header_cache) {
      header_cache = std::make_unique<maildir::MessageCache>(mb.dir(), mb.uid_validity(),
                                                             maildir::kSearchCacheFileName);
    }
    while (next < uids.size()) {
      std::uint32_t u = uids[next];
      size_t seq = ++next;
      auto i = mb.find_uid(u);
      if (!i) continue;
      MessageFacts facts;
      facts.seq = static_cast<std::uint32_t>(seq);
      facts.uid = u;
      facts.max_seq = static_cast<std::uint32_t>(uids.size());
      facts.max_uid = max_uid;
      facts.flags = mb.flags(*i).system;
      facts.recent = std::binary_search(recent.begin(), recent.end(), u);
      facts.modseq = modseq ? modseq_of(*box, u) : 0;
      FileAccess access(mb, *i, header_cache.get());
      MessageMatcher m(facts, access);
      if (cache_headers) m.use_header_cache();
      if (m.matches(root)) {
        hits.push_back(uid ? u : facts.seq);
        highest_hit = std::max(highest_hit, facts.modseq);
      }
      // Checking the clock costs little next to a message; cheap keys still check every 256.
      if ((next % 256 == 0 || m.header_read()) &&
          std::chrono::steady_clock::now() - start >= kBatchTime) {
        // Each batch writes what it found (memory stays bounded; a cache: errors cost a re-read).
        if (header_cache) (void)header_cache->flush(mb.count());
        return;
      }
    }
    if (header_cache) (void)header_cache->flush(mb.count());
    auto u = sync_updates(*box, false);
    if (u.ok()) {
      updates = std::move(*u);
    } else {
      status = u.status();
    }
    done = true;
  }
};

void continue_search(Session& s, std::string tag, std::shared_ptr<SearchJob> job) {
  s.conn().run_blocking([job] { job->run_batch(); },
                        [&s, tag = std::move(tag), job] {
                          if (!job->done) {
                            continue_search(s, tag, job);
                            return;
                          }
                          std::string line;
                          if (job->esearch & kEsearchSave) {
                            // RFC 5182: a failed SEARCH ... SAVE leaves `$` empty.
                            std::vector<std::uint32_t> uids;
                            if (job->status.ok()) {
                              for (std::uint32_t n : job->hits)
                                uids.push_back(job->uid ? n : job->uids[n - 1]);
                            }
                            job->box->saved_result = saved_selection(job->esearch, uids);
                          }
                          if (job->esearch != 0) {
                            line = esearch_response(tag, job->uid, job->esearch, job->hits);
                            if (job->modseq && !job->hits.empty()) {
                              line.insert(line.size() - 2,
                                          " MODSEQ " + std::to_string(job->highest_hit));
                            }
                          } else {
                            line = "* SEARCH";
                            for (std::uint32_t n : job->hits) line += " " + std::to_string(n);
                            if (job->modseq && !job->hits.empty()) {
                              line += " (MODSEQ " + std::to_string(job->highest_hit) + ")";
                            }
                            line += "\r\n";
                          }
                          s.conn().send(line + job->updates);
                          if (job->status.ok()) {
                            s.tagged(tag, "OK Search completed.");
                          } else {
                            s.tagged(tag, no_response(job->status));
                          }
                          s.finish_async();
                        });
}

}  // namespace

void cmd_search(Session& s, Command& c) {
  // ESEARCH (RFC 4731): RETURN (options) before the program.
  unsigned esearch = 0;
  size_t first = 0;
  if (c.args.size() >= 2 && c.args[0].kind == Arg::Kind::kAtom &&
      mime::iequals(c.args[0].text, "RETURN")) {
    std::string error;
    if (!parse_return_options(c.args[1], esearch, error)) {
      // A BAD command did not run: `$` keeps its value (as Dovecot).
      s.bad(c.tag, "Error in SEARCH: " + error);
      return;
    }
    first = 2;
  }
  if (first + 1 < c.args.size() && c.args[first].kind == Arg::Kind::kAtom &&
      mime::iequals(c.args[first].text, "CHARSET") &&
      charset_conflicts_utf8(s.enabled().utf8_accept, c.args[first + 1].text)) {
    s.bad(c.tag, "Error in SEARCH: UTF8=ACCEPT is enabled: no other CHARSET (RFC 6855).");
    return;
  }
  SearchProgram program;
  SearchParseError error;
  if (!parse_search_program(c.args, first, program, error)) {
    if (error.kind == SearchParseError::Kind::kBadCharset) {
      if (esearch & kEsearchSave) s.selected()->saved_result.clear();  // NO: `$` is empty
      s.tagged(c.tag, "NO [BADCHARSET (" + std::string(search_charsets()) + ")] " + error.message);
    } else {
      s.bad(c.tag, "Error in SEARCH: " + error.message);
    }
    return;
  }
  auto job = std::make_shared<SearchJob>();
  job->box = s.selected();
  job->root = std::move(program.root);
  bind_search_context(job->root, job->box->saved_result,
                      static_cast<std::int64_t>(::time(nullptr)));
  normalize_search_keys(job->root);
  job->uid = c.name == "UID SEARCH";
  // IMAP4rev2 (RFC 9051 6.4.4): the answer is always an ESEARCH; no RETURN means ALL.
  job->esearch = esearch == 0 && s.enabled().imap4rev2 ? kEsearchAll : esearch;
  job->modseq = uses_modseq(job->root);
  if (job->modseq) enable_condstore(s);
  job->uids = job->box->client_uids;
  const maildir::Mailbox& mb = job->box->mailbox;
  job->max_uid = mb.count() ? mb.record(mb.count() - 1).uid : 0;
  s.begin_async();
  continue_search(s, c.tag, std::move(job));
}

}  // namespace imap
