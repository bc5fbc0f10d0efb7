// The Maildir++ tree: create/open, folders (create, list, rename, delete, path), symlinks.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "maildir/maildir.h"
#include "maildir/subscriptions.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using maildir::Code;
using maildir::FolderInfo;
using maildir::Maildir;
using maildir::MaildirOptions;
using maildir::NameEncoding;

namespace {

bool is_real_dir(const fs::path& p) {
  return fs::is_directory(fs::symlink_status(p));
}

bool is_maildir_folder(const fs::path& p) {
  return is_real_dir(p) && is_real_dir(p / "tmp") && is_real_dir(p / "new") &&
         is_real_dir(p / "cur");
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + "\n";
  return out;
}

// "name:E" / "name:N" (exists or not) plus "+" for has_children, one line per folder.
std::string summary(const Maildir& md) {
  auto list = md.list_folders();
  REQUIRE(list.ok());
  std::vector<std::string> out;
  for (const FolderInfo& f : *list) {
    out.push_back(f.name + (f.exists ? ":E" : ":N") + (f.has_children ? "+" : ""));
  }
  return lines(out);
}

size_t count_entries(const fs::path& dir) {
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

Maildir make(const TempDir& t) {
  auto md = Maildir::create(t.path() + "/Maildir");
  REQUIRE(md.ok());
  return std::move(*md);
}

}  // namespace

TEST_CASE("create makes tmp/new/cur with mode 0700, is idempotent, open checks the layout") {
  TempDir t;
  std::string root = t.path() + "/Maildir";
  auto md = Maildir::create(root);
  REQUIRE(md.ok());
  CHECK(md->root() == root);
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    struct stat st;
    REQUIRE(::lstat((root + sub).c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
  }
  CHECK(Maildir::create(root).ok());  // again: fine
  CHECK(Maildir::open(root).ok());
  CHECK(Maildir::open(root + "/").ok());

  fs::remove(root + "/cur");
  auto broken = Maildir::open(root);
  CHECK(broken.status().code() == Code::kNotFound);
  CHECK(broken.status().message().find("cur") != std::string::npos);
  CHECK(Maildir::create(root).ok());  // repairs the missing subdirectory
  CHECK(is_maildir_folder(root));

  CHECK(Maildir::open(t.path() + "/nothing").status().code() == Code::kNotFound);
  CHECK(Maildir::create(t.path() + "/no/parent").status().code() == Code::kNotFound);
  write_file(t.path() + "/file", "x");
  CHECK(Maildir::create(t.path() + "/file").status().code() == Code::kExists);
  // An existing directory with other things in it is not turned into a Maildir.
  fs::create_directories(t.path() + "/home/docs");
  auto home = Maildir::create(t.path() + "/home");
  CHECK(home.status().code() == Code::kExists);
  CHECK_FALSE(fs::exists(t.path() + "/home/cur"));
  fs::create_directories(t.path() + "/empty");
  CHECK(Maildir::create(t.path() + "/empty").ok());
}

TEST_CASE("create_folder makes a complete Maildir++ folder, atomically") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  REQUIRE(md.create_folder("Sent").ok());
  CHECK(is_maildir_folder(root / ".Sent"));
  CHECK(fs::is_regular_file(root / ".Sent" / "maildirfolder"));
  CHECK(fs::file_size(root / ".Sent" / "maildirfolder") == 0);
  CHECK(count_entries(root / "tmp") == 0);  // the build directory was renamed away

  CHECK(md.create_folder("Sent").code() == Code::kExists);
  CHECK(md.create_folder("INBOX").code() == Code::kExists);
  CHECK(md.create_folder("inbox").code() == Code::kExists);

  REQUIRE(md.create_folder("下書き").ok());
  CHECK(is_maildir_folder(root / ".&Tgtm+DBN-"));
  REQUIRE(md.create_folder("Work/2024/Q1").ok());
  CHECK(is_maildir_folder(root / ".Work.2024.Q1"));
  CHECK_FALSE(fs::exists(root / ".Work"));  // parents need not exist on disk
  REQUIRE(md.create_folder("INBOX/Sub").ok());
  CHECK(is_maildir_folder(root / ".INBOX.Sub"));

  size_t before = count_entries(root);
  CHECK(md.create_folder("../escape").code() == Code::kInvalidName);
  CHECK(md.create_folder("a.b").code() == Code::kInvalidName);
  CHECK(md.create_folder("tmp").code() == Code::kInvalidName);
  CHECK(count_entries(root) == before);
  CHECK_FALSE(fs::exists(t.path() + "/escape"));
}

TEST_CASE("UTF-8 name encoding stores raw UTF-8 directory names") {
  TempDir t;
  MaildirOptions options;
  options.name_encoding = NameEncoding::kUtf8;
  auto md = Maildir::create(t.path() + "/m", options);
  REQUIRE(md.ok());
  REQUIRE(md->create_folder("送信済み").ok());
  CHECK(is_maildir_folder(t.path() + "/m/.送信済み"));
  CHECK(summary(*md) == lines({"INBOX:E", "送信済み:E"}));
}

TEST_CASE("list_folders: INBOX first, sorted tree, implied parents, foreign entries skipped") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  for (const char* n : {"Work/2024/Q1", "Sent", "下書き", "Archive", "Work/Old", "INBOX/Sub"}) {
    REQUIRE(md.create_folder(n).ok());
  }
  // Things a Maildir root also contains that are not folders.
  write_file(root / "dovecot-uidlist", "3 V1 N1\n");
  write_file(root / "subscriptions", "V\t2\n\n");
  write_file(root / ".notadir", "");
  fs::create_directories(root / ".a..b" / "cur");
  fs::create_directories(root / ".bad&name" / "cur");  // not valid modified UTF-7
  fs::create_directories(root / ".&AC4ALg-" / "cur");  // ".." in disguise

  std::string expect = lines({
      "INBOX:E+",
      "INBOX/Sub:E",
      "Archive:E",
      "Sent:E",
      "Work:N+",
      "Work/2024:N+",
      "Work/2024/Q1:E",
      "Work/Old:E",
      "下書き:E",
  });
  CHECK(summary(md) == expect);
}

TEST_CASE("a Dovecot-written tree lists with the same names") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  for (const char* d : {".&Tgtm+DBN-", ".&kAFP4W4IMH8-", ".Trash", ".Lists.dev&-ops"}) {
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(root / d / sub);
  }
  CHECK(summary(md) ==
        lines({"INBOX:E", "Lists:N+", "Lists/dev&ops:E", "Trash:E", "下書き:E", "送信済み:E"}));
  auto path = md.folder_path("送信済み");
  REQUIRE(path.ok());
  CHECK(*path == (root / ".&kAFP4W4IMH8-").string());
}

TEST_CASE("folder_path and open_folder") {
  TempDir t;
  Maildir md = make(t);
  REQUIRE(md.create_folder("Work/2024").ok());
  CHECK(*md.folder_path("INBOX") == md.root());
  CHECK(*md.folder_path("inbox") == md.root());
  CHECK(*md.folder_path("Work/2024") == md.root() + "/.Work.2024");
  CHECK(md.folder_path("Work").status().code() == Code::kNotFound);  // implied parent only
  CHECK(md.folder_path("Nope").status().code() == Code::kNotFound);
  CHECK(md.folder_path("../..").status().code() == Code::kInvalidName);
  auto fd = md.open_folder("Work/2024");
  REQUIRE(fd.ok());
  struct stat st;
  CHECK(::fstatat(*fd, "cur", &st, AT_SYMLINK_NOFOLLOW) == 0);
  ::close(*fd);
}

TEST_CASE("a symlinked folder is never followed out of the Maildir") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  // Somewhere outside, that looks like a folder and holds a message.
  fs::path outside = t.path() + "/outside";
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(outside / sub);
  write_file(outside / "cur" / "1.M1P1.host:2,S", "secret");
  fs::create_directory_symlink(outside, root / ".evil");

  CHECK(summary(md) == lines({"INBOX:E"}));
  CHECK(md.folder_path("evil").status().code() == Code::kPermission);
  CHECK(md.open_folder("evil").status().code() == Code::kPermission);
  CHECK(md.create_folder("evil").code() == Code::kExists);
  CHECK(md.delete_folder("evil").code() == Code::kPermission);
  CHECK(md.rename_folder("evil", "good").code() == Code::kPermission);
  CHECK(fs::is_symlink(root / ".evil"));
  CHECK(read_file(outside / "cur" / "1.M1P1.host:2,S") == "secret");

  // A real folder whose cur/ is a symlink out.
  REQUIRE(md.create_folder("Trap").ok());
  fs::remove(root / ".Trap" / "cur");
  fs::create_directory_symlink(outside / "cur", root / ".Trap" / "cur");
  CHECK(md.folder_path("Trap").status().code() == Code::kPermission);
  CHECK(md.open_folder("Trap").status().code() == Code::kPermission);
  // Deleting it removes the link, not what it points to.
  REQUIRE(md.delete_folder("Trap").ok());
  CHECK_FALSE(fs::exists(fs::symlink_status(root / ".Trap")));
  CHECK(read_file(outside / "cur" / "1.M1P1.host:2,S") == "secret");
  CHECK(fs::is_directory(outside / "cur"));

  // A parent renamed with a symlinked child is refused as a whole.
  REQUIRE(md.create_folder("P/real").ok());
  fs::create_directory_symlink(outside, root / ".P.link");
  CHECK(md.rename_folder("P", "Q").code() == Code::kPermission);
  CHECK(is_maildir_folder(root / ".P.real"));
  CHECK_FALSE(fs::exists(root / ".Q.real"));
}

TEST_CASE("rename_folder moves the folder and its children with their mail") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  for (const char* n : {"a", "a/b", "a/b/c", "ab", "other"}) REQUIRE(md.create_folder(n).ok());
  write_file(root / ".a.b" / "cur" / "100.M1P1.host,S=5:2,S", "hello");

  REQUIRE(md.rename_folder("a", "x/y").ok());
  CHECK(summary(md) ==
        lines({"INBOX:E", "ab:E", "other:E", "x:N+", "x/y:E+", "x/y/b:E+", "x/y/b/c:E"}));
  CHECK(read_file(root / ".x.y.b" / "cur" / "100.M1P1.host,S=5:2,S") == "hello");
  CHECK(fs::exists(root / ".ab"));  // ".ab" is not a child of ".a"

  CHECK(md.rename_folder("x/y", "other").code() == Code::kExists);
  CHECK(md.rename_folder("x/y/b/c", "ab").code() == Code::kExists);
  CHECK(md.rename_folder("nope", "n2").code() == Code::kNotFound);
  CHECK(md.rename_folder("x/y", "x/y/z").code() == Code::kInvalidArgument);
  CHECK(md.rename_folder("x/y", "x/y").code() == Code::kInvalidArgument);
  CHECK(md.rename_folder("x/y", "INBOX").code() == Code::kExists);
  CHECK(md.rename_folder("x/y", "../../etc").code() == Code::kInvalidName);
  CHECK(md.rename_folder("x/y/b", "x").code() == Code::kExists);  // x has children

  // A parent that exists only through children: the children move.
  REQUIRE(md.rename_folder("x", "z").ok());
  CHECK(summary(md) ==
        lines({"INBOX:E", "ab:E", "other:E", "z:N+", "z/y:E+", "z/y/b:E+", "z/y/b/c:E"}));
  // Japanese names rename too.
  REQUIRE(md.rename_folder("ab", "送信済み/古い").ok());
  CHECK(is_maildir_folder(root / ".&kAFP4W4IMH8-.&U+QwRA-"));
}

TEST_CASE("renaming INBOX moves its messages into a new folder and leaves INBOX empty") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  REQUIRE(md.create_folder("INBOX/Child").ok());
  write_file(root / "new" / "1.M1P1.host,S=1", "1");
  write_file(root / "cur" / "2.M2P1.host,S=1:2,Sa", "2");
  write_file(root / "dovecot-keywords", "0 $Junk\n");
  write_file(root / ".INBOX.Child" / "cur" / "3.M3P1.host:2,", "3");

  REQUIRE(md.rename_folder("INBOX", "Old Inbox").ok());
  fs::path old = root / ".Old Inbox";
  CHECK(is_maildir_folder(old));
  CHECK(read_file(old / "new" / "1.M1P1.host,S=1") == "1");
  CHECK(read_file(old / "cur" / "2.M2P1.host,S=1:2,Sa") == "2");
  CHECK(read_file(old / "dovecot-keywords") == "0 $Junk\n");
  CHECK(count_entries(root / "new") == 0);
  CHECK(count_entries(root / "cur") == 0);
  CHECK(read_file(root / ".INBOX.Child" / "cur" / "3.M3P1.host:2,") == "3");
  CHECK(Maildir::open(root.string()).ok());
  CHECK(md.rename_folder("INBOX", "Old Inbox").code() == Code::kExists);
}

TEST_CASE("delete_folder removes the folder and its mail, keeps children, refuses INBOX") {
  TempDir t;
  Maildir md = make(t);
  fs::path root = md.root();
  for (const char* n : {"p", "p/c", "solo"}) REQUIRE(md.create_folder(n).ok());
  write_file(root / ".p" / "cur" / "1.M1P1.host:2,S", "x");
  write_file(root / ".p.c" / "cur" / "2.M1P1.host:2,S", "y");

  REQUIRE(md.delete_folder("p").ok());
  CHECK_FALSE(fs::exists(root / ".p"));
  CHECK(read_file(root / ".p.c" / "cur" / "2.M1P1.host:2,S") == "y");
  CHECK(summary(md) == lines({"INBOX:E", "p:N+", "p/c:E", "solo:E"}));
  CHECK(count_entries(root / "tmp") == 0);  // nothing left behind

  CHECK(md.delete_folder("p").code() == Code::kNotEmpty);  // only children remain
  CHECK(md.delete_folder("INBOX").code() == Code::kInvalidArgument);
  CHECK(md.delete_folder("inbox").code() == Code::kInvalidArgument);
  CHECK(md.delete_folder("nope").code() == Code::kNotFound);
  CHECK(md.delete_folder("..").code() == Code::kInvalidName);
  REQUIRE(md.delete_folder("solo").ok());
  REQUIRE(md.delete_folder("p/c").ok());
  CHECK(summary(md) == lines({"INBOX:E"}));
  CHECK(is_maildir_folder(root));
}

// ---------------------------------------------------------------------------------------------
// Against the real Dovecot (dovecot-imapd, in the dependency list): its imap binary is run in
// PREAUTH mode on stdin/stdout over the same tree, in both directions.

namespace {

const char* kDovecotImap = "/usr/lib/dovecot/imap";

// Runs Dovecot's imap over `root` with the IMAP `commands` (one per line, CRLF added) and
// returns what it printed. As root, runs it as nobody (Dovecot refuses root) after handing the
// directory over.
std::string run_dovecot(const std::string& dir, const std::string& root,
                        const std::vector<std::string>& commands) {
  bool as_root = ::geteuid() == 0;
  std::string uid = as_root ? "65534" : std::to_string(::geteuid());
  std::string gid = as_root ? "65534" : std::to_string(::getegid());
  std::string user = as_root ? "nobody" : std::string(::getenv("USER") ? ::getenv("USER") : "u");
  write_file(dir + "/dovecot.conf", "base_dir = " + dir + "/run\nlog_path = " + dir +
                                        "/dovecot.log\n" + "mail_location = maildir:" + root +
                                        "\nssl = no\n" +
                                        "first_valid_uid = 0\nfirst_valid_gid = 0\n" +
                                        "mail_uid = " + uid + "\nmail_gid = " + gid + "\n" +
                                        "namespace inbox {\n  inbox = yes\n  separator = /\n}\n");
  std::string script;
  int tag = 0;
  for (const std::string& c : commands) script += "t" + std::to_string(++tag) + " " + c + "\r\n";
  script += "z LOGOUT\r\n";
  write_file(dir + "/script", script);
  if (as_root) {
    std::string chown = "chown -R 65534:65534 '" + dir + "'";
    REQUIRE(std::system(chown.c_str()) == 0);
  }
  // Dovecot wants a pipe, not a file, on stdin.
  std::string cmd = "cat '" + dir + "/script' | " +
                    std::string(as_root ? "runuser -u nobody -- " : "") + "env -i USER=" + user +
                    " HOME='" + dir + "' timeout 20 " + kDovecotImap + " -c '" + dir +
                    "/dovecot.conf' 2>&1 | cat > '" + dir + "/out'";
  int rc = std::system(cmd.c_str());
  std::string out = read_file(dir + "/out");
  INFO("dovecot output: " << out);
  REQUIRE(rc == 0);
  return out;
}

bool has_line(const std::string& out, const std::string& line) {
  return out.find(line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("Dovecot sees tegami's folders and subscriptions, and the other way round") {
  if (::access(kDovecotImap, X_OK) != 0) {
    WARN_MESSAGE(false, "Dovecot's imap is not installed: interop check skipped");
    return;
  }
  TempDir t;
  REQUIRE(::chmod(t.path().c_str(), 0755) == 0);
  std::string root = t.path() + "/Maildir";
  {
    auto md = Maildir::create(root);
    REQUIRE(md.ok());
    for (const char* n : {"下書き", "Work/2024", "INBOX/Sub", "R&D"}) {
      REQUIRE(md->create_folder(n).ok());
    }
    REQUIRE(maildir::subscribe(root, "下書き").ok());
    REQUIRE(maildir::subscribe(root, "Work/2024").ok());
  }
  std::string out =
      run_dovecot(t.path(), root,
                  {"LIST \"\" \"*\"", "LSUB \"\" \"*\"", "CREATE \"&kAFP4W4IMH8-\"",
                   "SUBSCRIBE \"&kAFP4W4IMH8-\"", "CREATE Lists/dev", "UNSUBSCRIBE Work/2024"});
  INFO("dovecot output: " << out);
  CHECK(has_line(out, "* LIST (\\HasNoChildren) \"/\" &Tgtm+DBN-"));
  CHECK(has_line(out, "* LIST (\\Noselect \\HasChildren) \"/\" Work"));
  CHECK(has_line(out, "* LIST (\\HasNoChildren) \"/\" Work/2024"));
  CHECK(has_line(out, "* LIST (\\HasNoChildren) \"/\" INBOX/Sub"));
  CHECK(has_line(out, "* LIST (\\HasNoChildren) \"/\" R&-D"));
  CHECK(has_line(out, "* LIST (\\HasChildren) \"/\" INBOX"));
  CHECK(has_line(out, "* LSUB () \"/\" &Tgtm+DBN-"));
  CHECK(has_line(out, "* LSUB () \"/\" Work/2024"));
  CHECK(out.find("t3 OK") != std::string::npos);
  CHECK(out.find("t5 OK") != std::string::npos);

  auto md = Maildir::open(root);
  REQUIRE(md.ok());
  CHECK(summary(*md) == lines({"INBOX:E+", "INBOX/Sub:E", "Lists:N+", "Lists/dev:E", "R&D:E",
                               "Work:N+", "Work/2024:E", "下書き:E", "送信済み:E"}));
  auto subs = maildir::list_subscriptions(root);
  REQUIRE(subs.ok());
  CHECK(lines(*subs) == lines({"下書き", "送信済み"}));
}
