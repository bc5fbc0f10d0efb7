// bench_open: opening and syncing a 100,000-message folder, cold (no tegami-index) and warm
// (tegami-index present, nothing changed), in milliseconds.
//
//   bench_open [--count N] [--dir PARENT] [--runs R] [--keep]   (--keep: leave the folder)
//
// It builds a folder of N small messages in cur/ (names as tegami's delivery writes them, with
// ,S= and ,W=), gives them UIDs with a first open, waits just over a second so the directory
// stamps are stable (dir_stamp.h: a stamp younger than a second proves nothing), then times:
//   cold: tegami-index deleted; Mailbox::open lists new/ and cur/, stats every file, reads
//         dovecot-uidlist and writes the cache again;
//   warm: Mailbox::open with the cache and no change: three stats and one read;
//   noop: Mailbox::sync on an open view with no change;
//   one-new: one message dropped into new/, then Mailbox::sync (lists new/ only).
// The OS page cache is warm in both cases ("cold" means "no tegami cache"). Best of R runs.
// CPU time (user + system of this process) is printed next to wall time: on a loaded machine
// it is the steadier figure.
// Prints a human line per figure with its target and a machine line `BENCH <name> ms=<n>`.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "maildir/mailbox.h"

namespace {

double cpu_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

bool write_small(const std::string& path, const std::string& body) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  ::close(fd);
  return ok;
}

void report(const char* name, const char* what, double ms, double cpu, double target) {
  std::printf("%-44s %9.1f ms (cpu %.1f ms)  (target <= %.0f ms) %s\n", what, ms, cpu, target,
              ms <= target ? "ok" : "MISSED");
  std::printf("BENCH %s ms=%.1f cpu_ms=%.1f\n", name, ms, cpu);
}

}  // namespace

int main(int argc, char** argv) {
  int count = 100000;
  int runs = 3;
  bool keep = false;
  std::string parent = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      parent = argv[++i];
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: bench_open [--count N] [--dir PARENT] [--runs R] [--keep]\n");
      return 2;
    }
  }
  std::string tmpl = parent + "/tegami-bench-open-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  for (const char* sub : {"/tmp", "/new", "/cur"}) ::mkdir((dir + sub).c_str(), 0700);

  auto t0 = std::chrono::steady_clock::now();
  const std::string body = "From: bench@example.org\nSubject: bench\n\nhello\n";
  const long long base_sec = 1700000000;
  for (int i = 0; i < count; ++i) {
    char name[160];
    std::snprintf(name, sizeof name, "%lld.M%06dP4242Q%d.benchhost,S=%zu,W=%zu:2,%s",
                  base_sec + i / 100, i % 1000000, i, body.size(), body.size() + 4,
                  (i % 3 == 0) ? "S" : "");
    if (!write_small(dir + "/cur/" + name, body)) {
      std::perror("write message");
      return 1;
    }
  }
  std::printf("created %d messages in %.0f ms (%s)\n", count, ms_since(t0), dir.c_str());

  t0 = std::chrono::steady_clock::now();
  {
    maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir);
    if (!m.ok()) {
      std::fprintf(stderr, "open: %s\n", m.status().to_string().c_str());
      return 1;
    }
    std::printf("first open (assigns %zu UIDs, writes dovecot-uidlist): %.0f ms\n", m->count(),
                ms_since(t0));
  }
  // Let the directory stamps become stable (see the top of this file).
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));

  double cold = 1e18, warm = 1e18, noop = 1e18, one_new = 1e18;
  double cold_cpu = 1e18, warm_cpu = 1e18;
  for (int r = 0; r < runs; ++r) {
    ::unlink((dir + "/tegami-index").c_str());
    t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    {
      maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir);
      double ms = ms_since(t0);
      cold_cpu = std::min(cold_cpu, cpu_ms() - c0);
      if (!m.ok() || m->count() != static_cast<size_t>(count)) {
        std::fprintf(stderr, "cold open failed\n");
        return 1;
      }
      cold = std::min(cold, ms);
    }
    t0 = std::chrono::steady_clock::now();
    c0 = cpu_ms();
    maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir);
    double ms = ms_since(t0);
    warm_cpu = std::min(warm_cpu, cpu_ms() - c0);
    if (!m.ok() || m->count() != static_cast<size_t>(count) || !m->last_sync_from_cache()) {
      std::fprintf(stderr, "warm open did not use the cache\n");
      return 1;
    }
    warm = std::min(warm, ms);
    t0 = std::chrono::steady_clock::now();
    maildir::Result<maildir::SyncChanges> c = m->sync();
    noop = std::min(noop, ms_since(t0));
    if (!c.ok() || !c->empty()) return 1;
  }
  {
    maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir);
    if (!m.ok()) return 1;
    write_small(dir + "/new/1800000000.M1P1Q1.benchhost,S=5,W=6", "x\n");
    t0 = std::chrono::steady_clock::now();
    maildir::Result<maildir::SyncChanges> c = m->sync();
    one_new = ms_since(t0);
    if (!c.ok() || c->added.size() != 1) return 1;
  }

  char what[100];
  std::snprintf(what, sizeof what, "open+sync %dk messages, cold (no cache)", count / 1000);
  report("open_100k_cold", what, cold, cold_cpu, 400);
  std::snprintf(what, sizeof what, "open+sync %dk messages, warm (no changes)", count / 1000);
  report("open_100k_warm", what, warm, warm_cpu, 20);
  std::printf("%-44s %9.1f ms\nBENCH sync_100k_noop ms=%.1f\n", "sync of an open view, no changes",
              noop, noop);
  std::printf("%-44s %9.1f ms\nBENCH sync_100k_one_new ms=%.1f\n",
              "sync after one delivery (first UID assignment)", one_new, one_new);

  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
