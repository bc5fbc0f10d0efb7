// The SORT and THREAD caches of one selected box (SelectedBox::sort_keys), kept for the rest of
// the selection and dropped while the session idles:
// - the keys computed per UID (a message's header never changes under one UIDVALIDITY), so a
//   repeated SORT/THREAD reads neither the structure cache nor the files;
// - the answers of the last few commands, each with the messages it was computed from (the
//   (sequence number, UID) of every match, in order): the answer is a function of the request
//   and those alone, so a repeat whose search finds exactly the same messages is a lookup, and
//   any change that matters — a message expunged or added, a flag that changes what the search
//   matches, a renumbering — makes the lists differ and the answer is computed again.
//
// No I/O of its own (`disk` is only held here). Used by the thread that runs the box's commands,
// one command at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "imap/sort.h"
#include "maildir/message_cache.h"

namespace imap {

struct SortKeyCache {
  static constexpr size_t kMaxEntries = 200000;
  static constexpr size_t kMaxResults = 4;

  struct Entry {
    unsigned need = 0;  // the fields computed (sort_need bits, kNeedThreadIds)
    SortMessage keys;
  };
  std::unordered_map<std::uint32_t, Entry> by_uid;
  // The folder's tegami-cache.sort, opened by the first key miss and kept, so a later miss
  // (a new message) reads only the records appended since (cmd_sort.cpp). Used by one
  // command at a time, on whichever worker thread runs it.
  std::unique_ptr<maildir::MessageCache> disk;
  std::uint32_t disk_uid_validity = 0;

  // The answer stored for `request` (any string naming the command and its arguments apart
  // from the search) over exactly `matched` (seq << 32 | uid per match, in sequence order)
  // under `uid_validity`; nullptr when there is none.
  const std::string* find_result(std::string_view request, std::uint32_t uid_validity,
                                 const std::vector<std::uint64_t>& matched);
  // Keeps `answer` for a later find_result, replacing the least recently used of
  // kMaxResults. Identical match lists are stored once. `order` (SORT: the sort order as
  // indexes into `matched`; empty otherwise) is kept for find_order.
  void put_result(std::string request, std::uint32_t uid_validity,
                  std::vector<std::uint64_t> matched, std::string answer,
                  std::vector<std::uint32_t> order = {});
  // The sort order stored for `request` over a strict prefix of `matched` (messages were only
  // added at the end since: extend_sort() can reuse it); nullptr when there is none.
  const std::vector<std::uint32_t>* find_order(std::string_view request, std::uint32_t uid_validity,
                                               const std::vector<std::uint64_t>& matched) const;
  size_t result_count() const { return results_.size(); }

 private:
  struct Result {
    std::string request;
    std::uint32_t uid_validity = 0;
    std::shared_ptr<const std::vector<std::uint64_t>> matched;
    std::string answer;
    std::vector<std::uint32_t> order;
  };
  std::vector<Result> results_;  // the most recently used last
};

// A message's (sequence number, UID) as SortKeyCache's match lists hold it.
inline std::uint64_t sort_match_id(std::uint32_t seq, std::uint32_t uid) {
  return (std::uint64_t{seq} << 32) | uid;
}

}  // namespace imap
