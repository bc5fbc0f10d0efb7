// tegami maildir check [--repair] <dir>: find (and with --repair fix) what is wrong in a
// Maildir++ tree, as LevelDB's repair rebuilds metadata from the data files.
//
// Checked in the root and in every folder:
//   - tmp/ new/ cur/ present                          (repair: create them)
//   - no file in tmp/ untouched for 36 hours          (repair: remove it; Maildir's own rule)
//   - dovecot-uidlist readable, no damaged lines, no stale dovecot-uidlist.lock
//                                                     (repair: rewrite the list / break the lock)
//   - tegami-index readable when present              (repair: rebuild it)
//   - every message in cur/ has a UID                 (repair: a sync assigns them; mail in
//                                                      new/ without one is normal: a note)
// and for the whole tree:
//   - maildirsize totals equal what the files add up to (repair: recalculate, through quota.h)
// With --repair every folder is also synced once, which rebuilds its cache.
// Output: one line per finding, "problem: ...", "repaired: ..." or "note: ..."; exit 0 when nothing
// is left wrong, 1 when problems remain (or the tree cannot be read), 2 on a usage error.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "command.h"
#include "maildir/flags.h"
#include "maildir/index.h"
#include "maildir/mailbox.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"
#include "maildir/uidlist.h"

namespace tegami_cli {
namespace {

constexpr long kStaleTmpSeconds = 36 * 3600;
constexpr long kStaleLockSeconds = 120;

struct Report {
  int remaining = 0;
  void problem(const std::string& where, const std::string& what) {
    std::printf("problem: %s: %s\n", where.c_str(), what.c_str());
    ++remaining;
  }
  void repaired(const std::string& where, const std::string& what) {
    std::printf("repaired: %s: %s\n", where.c_str(), what.c_str());
  }
  // A problem found and fixed.
  void fixed(const std::string& where, const std::string& what) {
    std::printf("problem: %s: %s\n", where.c_str(), what.c_str());
    repaired(where, what);
  }
};

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (struct dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        out.emplace_back(e->d_name);
      }
    }
    closedir(d);
  }
  return out;
}

// Adds up the messages of a folder (the sizes maildirsize counts: ,S= else st_size).
void add_usage(const std::string& folder, std::int64_t& bytes, std::int64_t& count) {
  for (const char* sub : {"/new", "/cur"}) {
    const std::string d = folder + sub;
    for (const std::string& name : entries(d)) {
      if (name[0] == '.') continue;
      struct stat st;
      if (lstat((d + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      maildir::ParsedName p = maildir::parse_name(name);
      bytes += static_cast<std::int64_t>(p.size ? *p.size : static_cast<std::uint64_t>(st.st_size));
      ++count;
    }
  }
}

void check_folder(const std::string& label, const std::string& dir, bool repair, Report& rep) {
  // tmp/ new/ cur/.
  for (const char* sub : {"tmp", "new", "cur"}) {
    const std::string p = dir + "/" + sub;
    struct stat st;
    if (lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    std::string what = std::string(sub) + "/ is missing";
    if (repair && mkdir(p.c_str(), 0700) == 0) {
      rep.fixed(label, what);
    } else {
      rep.problem(label, what);
    }
  }
  // Stale files in tmp/.
  const time_t now = time(nullptr);
  for (const std::string& name : entries(dir + "/tmp")) {
    const std::string p = dir + "/tmp/" + name;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (now - st.st_mtime < kStaleTmpSeconds && now - st.st_atime < kStaleTmpSeconds) continue;
    std::string what = "tmp/" + name + " is older than 36 hours";
    if (repair && unlink(p.c_str()) == 0) {
      rep.fixed(label, what);
    } else {
      rep.problem(label, what);
    }
  }
  // dovecot-uidlist and its lock.
  const std::string lock_path = dir + "/" + std::string(maildir::kUidListLockName);
  struct stat lst;
  if (lstat(lock_path.c_str(), &lst) == 0 && now - lst.st_mtime > kStaleLockSeconds) {
    // The lock's own staleness rule breaks it on the next acquire (the sync below).
    if (repair) {
      rep.fixed(label, "stale dovecot-uidlist.lock");
    } else {
      rep.problem(label, "stale dovecot-uidlist.lock");
    }
  }
  maildir::Result<maildir::UidList> list = maildir::UidList::load(dir);
  bool uidlist_bad = false;
  if (!list.ok()) {
    rep.problem(label, "dovecot-uidlist unreadable: " + list.status().to_string());
    return;
  }
  struct stat ust;
  const bool uidlist_present =
      lstat((dir + "/" + std::string(maildir::kUidListName)).c_str(), &ust) == 0;
  if (uidlist_present && !list->exists()) {
    uidlist_bad = true;
    const char* what =
        "dovecot-uidlist has an unreadable header (UIDs will be rebuilt with a new UIDVALIDITY)";
    if (!repair)
      rep.problem(label, what);
    else
      rep.fixed(label, what);  // the sync below rebuilds it
  } else if (list->skipped_lines() > 0) {
    uidlist_bad = true;
    std::string what =
        "dovecot-uidlist has " + std::to_string(list->skipped_lines()) + " damaged line(s)";
    bool done = false;
    if (repair) {
      maildir::Result<maildir::UidListLock> lock = list->lock();
      done = lock.ok() && list->rewrite(*lock, [](const maildir::UidRecord&) { return true; }).ok();
    }
    if (done) {
      rep.fixed(label, what);
    } else {
      rep.problem(label, what);
    }
  }
  // Messages without a UID. New mail in new/ normally has none until the first sync (a
  // note); a file in cur/ without one was put there behind a sync's back (a problem).
  size_t without_uid_new = 0, without_uid_cur = 0;
  for (const char* sub : {"/new", "/cur"}) {
    for (const std::string& name : entries(dir + sub)) {
      if (name[0] == '.') continue;
      if (list->find_name(name) != nullptr) continue;
      (std::strcmp(sub, "/new") == 0 ? without_uid_new : without_uid_cur) += 1;
    }
  }
  if (without_uid_new > 0 && !repair) {
    std::printf("note: %s: %zu new message(s) in new/ get their UIDs at the next sync\n",
                label.c_str(), without_uid_new);
  }
  if (without_uid_cur > 0 && !uidlist_bad) {
    std::string what =
        std::to_string(without_uid_cur) + " message(s) in cur/ without a UID in dovecot-uidlist";
    if (!repair)
      rep.problem(label, what);
    else
      rep.fixed(label, what);  // the sync below assigns them
  }
  // The cache.
  bool cache_broken = false;
  maildir::Result<maildir::IndexData> cache = maildir::read_index(dir);
  if (!cache.ok() && cache.status().code() != maildir::Code::kNotFound) {
    cache_broken = true;
    std::string what = "tegami-index is broken (" + cache.status().message() + ")";
    if (repair) {
      unlink((dir + "/" + maildir::kIndexFileName).c_str());
      rep.fixed(label, what);
    } else {
      rep.problem(label, what);
    }
  }
  if (repair) {
    maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir);
    if (!m.ok()) {
      rep.problem(label, "sync failed: " + m.status().to_string());
      return;
    }
    maildir::Status s = m->save_index();
    if (!s.ok()) rep.problem(label, "writing tegami-index failed: " + s.to_string());
    if (!cache_broken && !cache.ok()) rep.repaired(label, "tegami-index built");
  }
}

int check(const Invocation& inv) {
  bool repair = false;
  std::string dir;
  for (const std::string& a : inv.args) {
    if (a == "--repair") {
      repair = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("maildir check");
    } else if (dir.empty()) {
      dir = a;
    } else {
      return usage_error("maildir check");
    }
  }
  if (dir.empty()) return usage_error("maildir check");
  Report rep;
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "tegami: %s is not a directory\n", dir.c_str());
    return 1;
  }
  check_folder("INBOX", dir, repair, rep);
  maildir::Result<maildir::Maildir> md = maildir::Maildir::open(dir);
  if (!md.ok()) {
    rep.problem("INBOX", "not a usable Maildir: " + md.status().to_string());
    return 1;
  }
  maildir::Result<std::vector<maildir::FolderInfo>> folders = md->list_folders();
  if (!folders.ok()) {
    rep.problem("INBOX", "cannot list folders: " + folders.status().to_string());
    return 1;
  }
  std::int64_t bytes = 0, count = 0;
  add_usage(dir, bytes, count);
  for (const maildir::FolderInfo& f : *folders) {
    if (!f.exists || f.name == "INBOX") continue;
    maildir::Result<std::string> path = md->folder_path(f.name);
    if (!path.ok()) {
      rep.problem(f.name, path.status().to_string());
      continue;
    }
    check_folder(f.name, *path, repair, rep);
    add_usage(*path, bytes, count);
  }
  // Quota: compare maildirsize with the files (everything counts: quota.h's default rule).
  const std::string size_path = dir + "/maildirsize";
  if (FILE* f = std::fopen(size_path.c_str(), "rb")) {
    std::string content;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
    std::fclose(f);
    maildir::MaildirSize ms = maildir::parse_maildirsize(content);
    std::string what;
    if (!ms.valid) {
      what = "maildirsize is damaged";
    } else if (ms.bytes != bytes || ms.count != count) {
      what = "quota drift: maildirsize says " + std::to_string(ms.bytes) + " bytes in " +
             std::to_string(ms.count) + " messages, the files add up to " + std::to_string(bytes) +
             " bytes in " + std::to_string(count);
    }
    if (!what.empty()) {
      maildir::Result<maildir::QuotaUsage> u =
          repair ? maildir::Quota(dir).recalculate()
                 : maildir::Result<maildir::QuotaUsage>(maildir::Status(maildir::Code::kIo, ""));
      if (repair && u.ok()) {
        rep.fixed("maildirsize", what);
      } else {
        rep.problem("maildirsize", what);
      }
    }
  }
  if (rep.remaining == 0) {
    std::printf("clean\n");
    return 0;
  }
  std::printf("%d problem(s) remain\n", rep.remaining);
  return 1;
}

Register r{{"maildir check", "[--repair] <dir>",
            "report (and with --repair fix) Maildir problems: dirs, tmp/, UIDs, cache, quota",
            &check}};

}  // namespace
}  // namespace tegami_cli
