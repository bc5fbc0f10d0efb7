// The selected mailbox of a session: the storage view (maildir::Mailbox) plus what the client
// was last told (its UIDs in sequence order), so a sync can be turned into untagged EXPUNGE /
// EXISTS / FETCH responses. Owned by the session through a shared_ptr; while a command's work
// runs on a worker thread the session's input is paused, so exactly one thread uses it at a
// time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "imap/sequence_set.h"
#include "maildir/mailbox.h"
#include "maildir/modseq.h"

namespace imap {

class StructureCache;
struct SortKeyCache;

// The UIDs the client knows, in sequence order (sequence number i+1 = uid i). While they are
// exactly the mailbox view's UIDs and the view is the folder's shared snapshot, they are that
// snapshot's vector (Mailbox::shared_uids()), not a copy: an idle session in step with its
// folder holds no per-message memory. Any change makes a private copy first.
class ClientUids {
 public:
  using Vec = std::vector<std::uint32_t>;
  ClientUids() = default;
  ClientUids(Vec v) : own_(std::move(v)) {}  // NOLINT: implicit, as the plain vector was
  ClientUids& operator=(Vec v) {
    shared_.reset();
    own_ = std::move(v);
    return *this;
  }
  const Vec& get() const { return shared_ ? *shared_ : own_; }
  operator const Vec&() const { return get(); }  // NOLINT: reads as the vector
  std::size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  std::uint32_t back() const { return get().back(); }
  std::uint32_t operator[](std::size_t i) const { return get()[i]; }
  Vec::const_iterator begin() const { return get().begin(); }
  Vec::const_iterator end() const { return get().end(); }
  void push_back(std::uint32_t uid) { mut().push_back(uid); }
  void reserve(std::size_t n) { mut().reserve(n); }
  void shrink_to_fit() { own_.shrink_to_fit(); }
  // Uses `uids` (the view's shared UIDs) when it holds the same UIDs; true if it does now.
  bool share_if_equal(std::shared_ptr<const Vec> uids) {
    if (!uids) return false;
    if (shared_ == uids) return true;
    if (get() != *uids) return false;
    shared_ = std::move(uids);
    own_ = Vec();
    return true;
  }
  // Becomes exactly `uids` (shared).
  void assign_shared(std::shared_ptr<const Vec> uids) {
    shared_ = std::move(uids);
    own_ = Vec();
  }
  bool is_shared() const { return shared_ != nullptr; }

 private:
  Vec& mut() {
    if (shared_) {
      own_ = *shared_;
      shared_.reset();
    }
    return own_;
  }
  std::shared_ptr<const Vec> shared_;
  Vec own_;
};

struct SelectedBox {
  maildir::Mailbox mailbox;
  ClientUids client_uids;  // sequence number i+1 = client_uids[i]
  bool read_only = false;
  std::string name;                              // API name
  std::shared_ptr<StructureCache> structures{};  // FETCH's MIME structures (structure_cache.h)
  std::shared_ptr<SortKeyCache> sort_keys{};     // SORT/THREAD keys by UID (cmd_sort.cpp)
  // UIDs \Recent in this session, ascending: the ones it claimed first of all sessions
  // (maildir/recent.h; a read-only session: the unclaimed ones), at SELECT or arriving since.
  std::vector<std::uint32_t> recent{};
  bool shared = false;  // a list archive in the shared namespace: read-only, writes are NOPERM
  // SEARCHRES (RFC 5182, search_result.h): the UIDs `$` names, ascending; empty at SELECT.
  std::vector<std::uint32_t> saved_result{};
  // The session enabled IMAP4rev2 (RFC 9051): no \Recent in flags, no RECENT responses. The
  // session still claims new messages in tegami-recent as any read-write session does.
  bool rev2 = false;
  // CONDSTORE/QRESYNC (condstore.h): the folder's modseq log, opened when the session first
  // needs modseqs, and whether the session enabled them (MODSEQ in unsolicited FETCH,
  // VANISHED instead of EXPUNGE).
  std::shared_ptr<maildir::ModseqLog> modseq{};
  bool condstore = false;
  bool qresync = false;
};

// Syncs the mailbox and returns the untagged updates for the client ("* 3 EXPUNGE",
// "* 5 EXISTS", "* 2 FETCH (FLAGS (...))"), bringing client_uids in step. With
// `allow_expunge` false (FETCH, STORE, SEARCH: RFC 3501 7.4.1) expunges are not reported yet
// and client_uids keeps them. `flags_changed_before`: UIDs whose flags a sync made by the
// command itself (e.g. FETCH re-finding a renamed file) found changed, reported too.
// A storage error is returned as-is.
maildir::Result<std::string> sync_updates(SelectedBox& box, bool allow_expunge = true,
                                          std::vector<std::uint32_t> flags_changed_before = {});

// \Recent (maildir/recent.h): adds to box.recent those of `candidates` (UIDs in the view,
// ascending) that this session is the first to see — claimed in tegami-recent for a read-write
// session, only peeked at for a read-only one. `fallback`: the first recent UID when the folder
// has no record yet (lowest_new_uid()). Blocking (a lock and a small file).
void take_recent(SelectedBox& box, const std::vector<std::uint32_t>& candidates,
                 std::uint32_t fallback);
// The lowest UID of a message in new/, else the highest UID + 1.
std::uint32_t lowest_new_uid(const maildir::Mailbox& mb);

// While the session idles (IDLE): gives back what the box can rebuild on its next use — the
// mailbox view's spare memory (Mailbox::release_memory), the structure cache with its open
// tegami-cache file, the SORT key cache, spare capacity of the UID lists. Same thread rule as the
// box.
void release_idle_memory(SelectedBox& box);

// True when the box holds no per-message memory of its own: its view is the folder's shared
// snapshot and the client's UIDs are that snapshot's (an idle session in step).
bool holds_shared_view(const SelectedBox& box);

// The tagged NO for a write to a read-only selected mailbox: "NO [READ-ONLY] ..." after EXAMINE,
// "NO [NOPERM] ..." for a shared list archive (no client may write there).
std::string read_only_refusal(const SelectedBox& box);

// Sequence number (1-based) of `uid` in what the client knows, 0 if none.
std::uint32_t seq_of(const SelectedBox& box, std::uint32_t uid);

// "(\Seen \Answered ...)" for message `i` of the view.
std::string flags_list(const maildir::Mailbox& mailbox, std::size_t i);
// The same with "\Recent" last when the message is recent in this session (as Dovecot).
std::string flags_list(const SelectedBox& box, std::size_t i);
// The same, appended to `out` (FETCH's per-message loop: no temporary string).
void append_flags(std::string& out, const SelectedBox& box, std::size_t i);

// The view indexes a sequence set (sequence numbers, or UIDs when `uid`) names, ascending.
// Sequence numbers past the end make the whole set invalid (returns false); UIDs that do not
// exist are ignored.
bool resolve_set(const SelectedBox& box, const SequenceSet& set, bool uid,
                 std::vector<std::size_t>& out);

}  // namespace imap
