#include "daemon/config_watcher.h"

#include <filesystem>

namespace tegami::daemon {

struct ConfigWatcher::Watch {
  uv_fs_event_t handle;
  ConfigWatcher* owner = nullptr;  // null once detached
  std::string dir;
  std::set<std::string> names;  // base names that count
  bool any_yaml = false;
};

std::unique_ptr<ConfigWatcher> ConfigWatcher::start(uv_loop_t* loop,
                                                    const std::vector<std::string>& files,
                                                    const std::vector<std::string>& yaml_dirs,
                                                    std::chrono::milliseconds debounce,
                                                    std::function<void()> on_change) {
  std::unique_ptr<ConfigWatcher> w(new ConfigWatcher(loop, debounce, std::move(on_change)));
  std::map<std::string, Watch*> by_dir;
  auto watch_for = [&](const std::string& dir) -> Watch* {
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return nullptr;
    auto it = by_dir.find(dir);
    if (it != by_dir.end()) return it->second;
    auto* watch = new Watch();
    watch->dir = dir;
    by_dir[dir] = watch;
    return watch;
  };
  for (const std::string& f : files) {
    std::filesystem::path p(f);
    if (Watch* watch = watch_for(p.parent_path().string())) {
      watch->names.insert(p.filename().string());
    }
  }
  for (const std::string& d : yaml_dirs) {
    std::string dir = std::filesystem::path(d).lexically_normal().string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (Watch* watch = watch_for(dir)) watch->any_yaml = true;
  }
  for (auto& [dir, watch] : by_dir) {
    uv_fs_event_init(loop, &watch->handle);
    watch->handle.data = watch;
    watch->owner = w.get();
    int rc = uv_fs_event_start(
        &watch->handle,
        [](uv_fs_event_t* h, const char* filename, int, int status) {
          auto* watch = static_cast<Watch*>(h->data);
          if (status < 0 || watch->owner == nullptr) return;
          watch->owner->event(*watch, filename);
        },
        dir.c_str(), 0);
    w->watches_.push_back(watch);
    (void)rc;  // a directory that cannot be watched is left out; SIGHUP still reloads
  }
  w->timer_ = new uv_timer_t;
  uv_timer_init(loop, w->timer_);
  w->timer_->data = w.get();
  return w;
}

void ConfigWatcher::event(const Watch& w, const char* filename) {
  if (filename == nullptr) return;
  std::string name(filename);
  bool counts = w.names.count(name) > 0 ||
                (w.any_yaml && name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0);
  if (!counts || timer_ == nullptr) return;
  uv_timer_start(
      timer_,
      [](uv_timer_t* t) {
        auto* self = static_cast<ConfigWatcher*>(t->data);
        if (self == nullptr) return;
        // A copy: the callback may close and destroy this watcher (a reload re-creates it).
        std::function<void()> cb = self->on_change_;
        cb();
      },
      static_cast<uint64_t>(debounce_.count()), 0);
}

std::vector<std::string> ConfigWatcher::watched_directories() const {
  std::vector<std::string> out;
  for (const Watch* w : watches_) out.push_back(w->dir);
  return out;
}

void ConfigWatcher::close() {
  for (Watch* w : watches_) {
    w->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&w->handle),
             [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
  }
  watches_.clear();
  if (timer_ != nullptr) {
    timer_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
}

ConfigWatcher::~ConfigWatcher() {
  close();
}

}  // namespace tegami::daemon
