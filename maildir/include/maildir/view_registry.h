// ViewRegistry: one process-wide, read-only snapshot of each folder's synced view, shared by
// every Mailbox of the process that has the folder open (many IMAP sessions of one user, or
// of a shared folder, SELECT the same folder and idle in it).
//
// A ViewSnapshot is what a sync produced (records, name pool, UIDVALIDITY, UIDNEXT, GUID) and
// the stamps of new/, cur/ and dovecot-uidlist it was built from. It never changes after it is
// published; holders keep it through shared_ptr<const ViewSnapshot>. Its stamps of new/ and
// cur/ are "stable" (dir_stamp.h), so while stat() still gives those stamps, the snapshot is
// exactly what a scan would find — the rule tegami-index relies on (index.h), here kept in memory:
// a Mailbox whose folder is unchanged adopts the registry's snapshot without reading
// tegami-index, and holds no per-message memory of its own.
//
// Copy-on-write: a Mailbox that must change its view (its own STORE/EXPUNGE/COPY/MOVE, a sync
// that finds changes, a size computed lazily) first copies the snapshot into a private view;
// after its next sync that leaves the stamps stable it publishes the result as the folder's
// new snapshot, or adopts an equal one already published.
//
// Eviction: the registry keeps a weak reference to every published snapshot (so one in use
// is always found again) and strong references to the most recently used ones whose total
// size stays within a byte budget (default kDefaultBudgetBytes; set_budget_bytes(0) keeps
// none). A snapshot no Mailbox uses and that fell out of the budget is freed; its entry is
// pruned at the next publish.
//
// Thread safety: all members are safe to call from any thread (one mutex); snapshots are
// immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "maildir/index.h"
#include "maildir/message.h"

namespace maildir {

struct ViewSnapshot {
  std::string dir;                     // the folder directory, as given to Mailbox::open()
  std::vector<MessageRecord> records;  // ascending UID; name_off into `names`
  std::string names;                   // compact: only the records' names
  std::vector<std::uint32_t> uids;     // records[i].uid, for sessions' sequence maps
  std::uint32_t uid_validity = 0;
  std::uint32_t uid_next = 0;
  std::string guid;
  // new_dir and cur_dir are stable; uidlist may not be (an adopter then reads the list to
  // check UIDVALIDITY, as a sync does).
  IndexStamp new_dir, cur_dir, uidlist;
  bool has_new = false;  // some record is in new/

  // Heap bytes held (what the budget counts).
  std::size_t bytes() const {
    return sizeof(*this) + records.capacity() * sizeof(MessageRecord) + names.capacity() +
           uids.capacity() * sizeof(std::uint32_t) + dir.capacity();
  }
  // True when stat() results `n`, `c`, `u` are the stamps this snapshot was built from.
  bool matches(const DirStamp& n, const DirStamp& c, const DirStamp& u) const {
    return new_dir.stamp == n && cur_dir.stamp == c && uidlist.stamp == u;
  }
};

class ViewRegistry {
 public:
  static constexpr std::size_t kDefaultBudgetBytes = 64u << 20;

  // The registry of this process.
  static ViewRegistry& instance();

  // The snapshot published last for `dir` while some holder or the budget keeps it; nullptr.
  // Marks it recently used.
  std::shared_ptr<const ViewSnapshot> find(const std::string& dir);

  // Makes `snap` the current snapshot of snap->dir (replacing any other).
  void publish(std::shared_ptr<const ViewSnapshot> snap);

  // The byte budget for snapshots kept while nobody uses them (LRU beyond it is dropped).
  void set_budget_bytes(std::size_t bytes);

  struct Stats {
    std::size_t folders = 0;   // entries with a live snapshot
    std::size_t retained = 0;  // snapshots kept by the budget
    std::size_t retained_bytes = 0;
  };
  Stats stats();

  ViewRegistry() = default;
  ViewRegistry(const ViewRegistry&) = delete;
  ViewRegistry& operator=(const ViewRegistry&) = delete;

 private:
  struct Entry {
    std::weak_ptr<const ViewSnapshot> weak;
    std::list<std::shared_ptr<const ViewSnapshot>>::iterator lru;  // valid when in_lru
    bool in_lru = false;
  };
  void touch(Entry& e, std::shared_ptr<const ViewSnapshot> snap);  // REQUIRES: mu_ held
  void trim();                                                     // REQUIRES: mu_ held
  void drop_lru(Entry& e);                                         // REQUIRES: mu_ held

  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::shared_ptr<const ViewSnapshot>> lru_;  // most recent first
  std::size_t lru_bytes_ = 0;
  std::size_t budget_ = kDefaultBudgetBytes;
};

}  // namespace maildir
