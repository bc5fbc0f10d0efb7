// Helpers for the Mailbox tests: build folders and change files the way other programs do.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "maildir/mailbox.h"
#include "temp_dir.h"

namespace mbtest {

// Mailbox::open / sync that must succeed (the test stops with the status otherwise).
inline maildir::Mailbox open_ok(const std::string& dir, maildir::MailboxOptions o = {}) {
  maildir::Result<maildir::Mailbox> m = maildir::Mailbox::open(dir, o);
  REQUIRE_MESSAGE(m.ok(), m.status().to_string());
  return std::move(*m);
}

inline maildir::SyncChanges sync_ok(maildir::Mailbox& m, maildir::SyncOptions o = {}) {
  maildir::Result<maildir::SyncChanges> c = m.sync(o);
  REQUIRE_MESSAGE(c.ok(), c.status().to_string());
  return std::move(*c);
}

inline void make_folder(const std::string& dir) {
  ::mkdir(dir.c_str(), 0700);
  for (const char* sub : {"/tmp", "/new", "/cur"}) ::mkdir((dir + sub).c_str(), 0700);
}

// Writes a message file directly (as mutt or a restore would: no tmp/, no UID).
inline void write_file(const std::string& path, const std::string& content, time_t mtime = 0) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (mtime != 0) {
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    utimensat(AT_FDCWD, path.c_str(), ts, 0);
  }
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Sets the mtime of `path` `seconds` into the past, so that its stamp is "stable" at once
// (dir_stamp.h) and a warm open can trust it.
inline void backdate(const std::string& path, int seconds = 10) {
  struct timespec ts[2];
  clock_gettime(CLOCK_REALTIME, &ts[0]);
  ts[0].tv_sec -= seconds;
  ts[1] = ts[0];
  utimensat(AT_FDCWD, path.c_str(), ts, 0);
}

inline void backdate_folder(const std::string& dir) {
  backdate(dir + "/new");
  backdate(dir + "/cur");
  if (exists(dir + "/dovecot-uidlist")) backdate(dir + "/dovecot-uidlist");
}

inline std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

}  // namespace mbtest
