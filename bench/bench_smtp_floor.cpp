// The raw fsync floor for bench_smtp.py: what durable delivery of one message needs and nothing
// else, in C++ so the interpreter costs nothing. Per message: write the file in tmp/ of the
// first mailbox, fsync it, rename it into new/, hard-link it into new/ of the other recipients'
// mailboxes, fsync every new/ directory involved (from 8 recipients on, from up to 8 threads).
//
//   bench_smtp_floor <dir> <threads> <bytes> <recipients> <seconds>
// prints "<messages> <seconds>". Without arguments it does nothing (tools/run-bench.sh runs
// every bench_* binary; this one is driven by bench/bench_smtp.py).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

constexpr int kMailboxes = 50;

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) return 0;
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: bench_smtp_floor <dir> <threads> <bytes> <recipients> <seconds>\n");
    return 2;
  }
  const std::string root = argv[1];
  const int threads = std::atoi(argv[2]);
  const std::string message(static_cast<size_t>(std::atol(argv[3])), 'x');
  const int rcpts = std::atoi(argv[4]);
  const double seconds = std::atof(argv[5]);
  ::mkdir(root.c_str(), 0700);
  std::vector<std::string> boxes;
  for (int b = 0; b < kMailboxes; ++b) {
    std::string box = root + "/f" + std::to_string(b);
    ::mkdir(box.c_str(), 0700);
    for (const char* sub : {"/tmp", "/new", "/cur"}) ::mkdir((box + sub).c_str(), 0700);
    boxes.push_back(box);
  }
  std::vector<int> new_fds;
  for (const std::string& b : boxes) {
    int fd = ::open((b + "/new").c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) die("open new/");
    new_fds.push_back(fd);
  }
  std::atomic<long> total{0};
  const auto start = std::chrono::steady_clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      long n = 0;
      while (std::chrono::steady_clock::now() < stop) {
        const int first = static_cast<int>((t + n) % kMailboxes);
        const std::string name = std::to_string(::getpid()) + ".T" + std::to_string(t) + "N" +
                                 std::to_string(n) + ".floor";
        const std::string tmp = boxes[first] + "/tmp/" + name;
        const std::string dst = boxes[first] + "/new/" + name;
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) die("open tmp");
        if (::write(fd, message.data(), message.size()) != static_cast<ssize_t>(message.size()))
          die("write");
        if (::fsync(fd) != 0) die("fsync");
        ::close(fd);
        if (::rename(tmp.c_str(), dst.c_str()) != 0) die("rename");
        for (int k = 1; k < rcpts; ++k) {
          const std::string link = boxes[(first + k) % kMailboxes] + "/new/" + name;
          if (::link(dst.c_str(), link.c_str()) != 0) die("link");
        }
        // The directory fsyncs: one after another for a few, else from up to 8 threads at
        // once, as the device takes them (the same split tegami's delivery uses).
        const int chunks = std::min(8, rcpts / 4);
        auto sync_chunk = [&](int c, int step) {
          for (int k = c; k < rcpts; k += step)
            if (::fsync(new_fds[(first + k) % kMailboxes]) != 0) die("fsync dir");
        };
        if (chunks <= 1) {
          sync_chunk(0, 1);
        } else {
          std::vector<std::thread> syncers;
          for (int c = 1; c < chunks; ++c) syncers.emplace_back(sync_chunk, c, chunks);
          sync_chunk(0, chunks);
          for (std::thread& s : syncers) s.join();
        }
        ++n;
      }
      total += n;
    });
  }
  for (std::thread& th : pool) th.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int fd : new_fds) ::close(fd);
  std::printf("%ld %.6f\n", total.load(), elapsed);
  return 0;
}
