// Group commit of one directory's fsync (issue 8: fewer disk flushes per queued message).
//
// Several threads that each renamed or unlinked an entry in the same directory need that
// change durable before they go on (an SMTP 250, a queue removal). Instead of one fsync each,
// GroupSync::sync() lets them share: a caller joins the batch that has not started yet; one of
// the batch runs the fsync while later callers gather in the next batch. A batch's fsync starts
// only after every member called sync(), i.e. after its rename/unlink, so the shared fsync
// covers each member's change; a failure is returned to every member of that batch.
// Thread-safe; blocks on the disk (worker threads only).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "maildir/env.h"
#include "maildir/status.h"

namespace tegami_queue {

class GroupSync {
 public:
  // `env` must outlive this object.
  GroupSync(std::string dir, maildir::Env& env) : dir_(std::move(dir)), env_(env) {}
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // Returns once an fsync of the directory that started after this call has finished: its
  // result (kIo/kNoSpace on failure).
  maildir::Status sync();

  // fsyncs issued so far (for tests and benchmarks).
  std::uint64_t syncs() const;

 private:
  struct Batch {
    bool done = false;
    maildir::Status status;
  };
  std::string dir_;
  maildir::Env& env_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<Batch> gathering_;  // the batch new callers join (not started yet)
  bool running_ = false;              // a batch's fsync is in progress
  std::uint64_t syncs_ = 0;
};

}  // namespace tegami_queue
