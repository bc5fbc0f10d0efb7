#include "queue/group_sync.h"

namespace tegami_queue {

maildir::Status GroupSync::sync() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!gathering_) gathering_ = std::make_shared<Batch>();
  std::shared_ptr<Batch> mine = gathering_;
  while (!mine->done) {
    if (!running_ && gathering_ == mine) {
      // Nobody is syncing: this caller runs the fsync for everyone gathered so far. Callers
      // arriving from now on join a new batch (their change may come after this fsync began).
      running_ = true;
      gathering_.reset();
      ++syncs_;
      lock.unlock();
      maildir::Status st = env_.sync_dir(dir_);
      lock.lock();
      mine->status = std::move(st);
      mine->done = true;
      running_ = false;
      cv_.notify_all();
      break;
    }
    cv_.wait(lock);
  }
  return mine->status;
}

std::uint64_t GroupSync::syncs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return syncs_;
}

}  // namespace tegami_queue
