// Watches the configuration files with inotify (libuv fs events) and reports changes,
// debounced: an editor's save (write temp, rename, chmod...) or `tegami account add` gives one
// callback `debounce` after the last event.
//
// Directories are watched, not files, so a file replaced by rename (how editors and the admin
// command save) keeps being seen. A change counts when its name is the base name of one of
// `files` in that directory, or ends in ".yaml" inside one of `yaml_dirs` (new domain files).
// Directories that do not exist are skipped (a domains dir created later is picked up at the
// next reload, which re-creates the watcher).
//
// Lifetime as StreamServer: handles are heap objects freed in their close callbacks; close()
// detaches them, after which the watcher may be destroyed. Loop thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tegami::daemon {

class ConfigWatcher {
 public:
  static std::unique_ptr<ConfigWatcher> start(uv_loop_t* loop,
                                              const std::vector<std::string>& files,
                                              const std::vector<std::string>& yaml_dirs,
                                              std::chrono::milliseconds debounce,
                                              std::function<void()> on_change);
  ~ConfigWatcher();  // calls close()
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // The directories actually watched (for logs and tests).
  std::vector<std::string> watched_directories() const;
  void close();

 private:
  struct Watch;
  ConfigWatcher(uv_loop_t* loop, std::chrono::milliseconds debounce, std::function<void()> cb)
      : loop_(loop), debounce_(debounce), on_change_(std::move(cb)) {}
  void event(const Watch& w, const char* filename);

  uv_loop_t* loop_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  uv_timer_t* timer_ = nullptr;
  std::vector<Watch*> watches_;
};

}  // namespace tegami::daemon
