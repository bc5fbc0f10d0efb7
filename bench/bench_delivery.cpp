// Durable deliveries per second of 4 KB messages, with 1 and 8 threads, next to the floor: a
// raw loop doing only what durability needs (write in tmp/, fsync, rename into new/, fsync the
// directory) on the same file system. Target: tegami >= 90 % of the floor.
//
// usage: bench_delivery [--dir <dir>] [--seconds <s>]
//   --dir      where to write (default: a fresh directory under the current one, removed after)
//   --seconds  time spent on each side of each figure (default 4), in 8 alternating slices
// Prints a human table and one machine-readable line per figure:
//   BENCH delivery_<n>thread tegami=<n>/s floor=<n>/s ratio=<r>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "maildir/delivery.h"
#include "maildir/quota.h"

namespace fs = std::filesystem;

namespace {

constexpr int kSlices = 8;

std::string make_message() {
  std::string msg = "From: bench@example.org\r\nTo: user@example.org\r\nSubject: bench\r\n\r\n";
  while (msg.size() < 4096 - 80) msg += std::string(76, 'x') + "\r\n";
  msg += std::string(4096 - msg.size() - 2, 'y') + "\r\n";
  return msg;
}

void make_folder(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(fs::path(dir) / sub);
}

void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// The floor: one durable delivery with nothing but the necessary system calls.
void raw_delivery(const std::string& folder, const std::string& disk_bytes, int thread,
                  unsigned long n) {
  std::string name = std::to_string(thread) + "." + std::to_string(n) + ".raw";
  std::string tmp = folder + "/tmp/" + name;
  std::string dst = folder + "/new/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) die("open");
  if (::write(fd, disk_bytes.data(), disk_bytes.size()) != static_cast<ssize_t>(disk_bytes.size()))
    die("write");
  if (::fsync(fd) != 0) die("fsync");
  ::close(fd);
  if (::rename(tmp.c_str(), dst.c_str()) != 0) die("rename");
  int dfd = ::open((folder + "/new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) die("open dir");
  if (::fsync(dfd) != 0) die("fsync dir");
  ::close(dfd);
}

// Runs `one(thread, n)` in `threads` threads for `seconds`; returns deliveries per second.
double run(int threads, double seconds, const std::function<void(int, unsigned long)>& one) {
  std::atomic<bool> stop{false};
  std::atomic<unsigned long> total{0};
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      unsigned long n = 0;
      while (!stop.load(std::memory_order_relaxed)) one(t, n++);
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string base;
  double seconds = 4.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      base = argv[++i];
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench_delivery [--dir <dir>] [--seconds <s>]\n");
      return 2;
    }
  }
  bool remove_base = false;
  if (base.empty()) {
    std::string tmpl = (fs::current_path() / "bench-delivery-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
    base = tmpl;
    remove_base = true;
  }
  const std::string message = make_message();
  maildir::LineEndConverter conv;
  std::string disk_bytes;
  conv.feed(message, disk_bytes);
  conv.finish(disk_bytes);

  std::printf("durable delivery of %zu-byte messages (%zu on disk) in %s\n", message.size(),
              disk_bytes.size(), base.c_str());
  std::printf("%-10s %14s %14s %8s\n", "threads", "tegami/s", "floor/s", "ratio");
  int folder_no = 0;
  auto fresh_folder = [&]() {
    std::string f = base + "/f" + std::to_string(folder_no++);
    make_folder(f);
    return f;
  };
  for (bool with_quota : {false, true}) {
    for (int threads : {1, 8}) {
      // The machine may be busy with other I/O whose load drifts: alternate short slices of
      // the floor and of tegami and compare the sums, so drift hits both alike.
      const std::string floor_dir = fresh_folder();
      const std::string dir = fresh_folder();
      maildir::QuotaOptions qo;
      qo.limit = maildir::QuotaLimit::megabytes(1024 * 1024);
      maildir::Quota quota(dir, qo);
      maildir::DeliveryOptions opts;
      if (with_quota) opts.quota = &quota;
      double floor_sum = 0, tegami_sum = 0;
      for (int slice = 0; slice < kSlices; ++slice) {
        const double len = seconds / kSlices;
        floor_sum += run(threads, len, [&](int t, unsigned long n) {
          raw_delivery(floor_dir, disk_bytes, t, n + (static_cast<unsigned long>(slice) << 32));
        });
        tegami_sum += run(threads, len, [&](int, unsigned long) {
          auto d = maildir::deliver_bytes(dir, message, opts);
          if (!d.ok()) {
            std::fprintf(stderr, "%s\n", d.status().to_string().c_str());
            std::exit(1);
          }
        });
      }
      const double floor_rate = floor_sum / kSlices;
      const double tegami_rate = tegami_sum / kSlices;
      const double ratio = floor_rate > 0 ? tegami_rate / floor_rate : 0;
      const std::string label = std::string(with_quota ? "delivery_quota_" : "delivery_") +
                                std::to_string(threads) + "thread";
      std::printf("%-10s %14.0f %14.0f %7.1f%%%s\n", std::to_string(threads).c_str(), tegami_rate,
                  floor_rate, ratio * 100, with_quota ? "  (with maildirsize quota)" : "");
      std::printf("BENCH %s tegami=%.0f/s floor=%.0f/s ratio=%.3f\n", label.c_str(), tegami_rate,
                  floor_rate, ratio);
      std::fflush(stdout);
    }
  }
  if (remove_base) {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  return 0;
}
