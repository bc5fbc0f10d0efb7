// The IMAP session driven through a FakeConnection: greeting and capabilities per transport,
// state checks, bad-command limits, STARTTLS discarding pipelined plaintext, literal limits
// before login, LOGIN / AUTHENTICATE (SASL-IR, LOGIN mechanism), ID, NAMESPACE, LOGOUT.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "imap/session.h"
#include "maildir/mailbox.h"
#include "net/fake_connection.h"
#include "temp_dir.h"

using tegami::config::Config;
using tegami::config::Protocol;

namespace {

std::shared_ptr<const Config> make_config(const std::string& mail_root) {
  auto c = std::make_shared<Config>();
  c->server.mail_root = mail_root;
  tegami::config::Plan plan;
  plan.name = "p";
  plan.protocols = {Protocol::kImap};
  c->plans = {plan};
  tegami::config::Domain d;
  d.name = "example.com";
  d.plan = "p";
  tegami::config::Account alice;
  alice.local_part = "alice";
  alice.password_hash = "{PLAIN}Secret-1";
  d.accounts = {alice};
  c->domains = {d};
  return c;
}

struct Fixture {
  explicit Fixture(bool plaintext_ok = true, net::TlsMode tls = net::TlsMode::kStartTls)
      : conn(net::ListenerInfo{"imap", "imap", tls}) {
    imap::SessionOptions o;
    o.config = make_config(tmp.path());
    o.allow_plaintext_auth = plaintext_ok;
    o.login = &login;
    o.on_login = [this](net::Connection&, const std::string& user) { logged_user = user; };
    session = std::make_unique<imap::Session>(std::move(o));
    session->on_open(conn);
    greeting = conn.take_output();
  }
  std::string send(std::string_view wire) {
    conn.feed(*session, wire);
    // Run the password check and fire the failure delay, as the loop would.
    for (int i = 0; i < 4; ++i) {
      conn.run_pending_work();
      conn.fire_timers(std::chrono::milliseconds(60000));
      if (!conn.paused()) conn.deliver(*session);
    }
    return conn.take_output();
  }
  TempDir tmp;
  tegami::login::LoginService login;
  net::FakeConnection conn;
  std::unique_ptr<imap::Session> session;
  std::string greeting;
  std::string logged_user;
};

}  // namespace

TEST_CASE("greeting lists capabilities; STARTTLS and LOGINDISABLED before TLS") {
  Fixture f(false);
  CHECK(f.greeting.rfind("* OK [CAPABILITY IMAP4rev1 ", 0) == 0);
  CHECK(f.greeting.find("STARTTLS") != std::string::npos);
  CHECK(f.greeting.find("LOGINDISABLED") != std::string::npos);
  CHECK(f.greeting.find("AUTH=PLAIN") == std::string::npos);
  std::string out = f.send("a LOGIN alice@example.com Secret-1\r\n");
  CHECK(out.rfind("a NO [PRIVACYREQUIRED]", 0) == 0);
  out = f.send("b AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAFNlY3JldC0x\r\n");
  CHECK(out.rfind("b NO [PRIVACYREQUIRED]", 0) == 0);
  f.conn.set_tls_active(true);
  out = f.send("c CAPABILITY\r\n");
  CHECK(out.find("AUTH=PLAIN AUTH=LOGIN") != std::string::npos);
  CHECK(out.find("LOGINDISABLED") == std::string::npos);
  CHECK(out.find("STARTTLS") == std::string::npos);
  CHECK(out.find("c OK") != std::string::npos);
}

TEST_CASE("starttls_discards_pipelined_plaintext") {
  Fixture f(false);
  std::string out = f.send("a STARTTLS\r\nb LOGIN alice@example.com Secret-1\r\n");
  CHECK(out == "a OK Begin TLS negotiation now.\r\n");
  CHECK(f.conn.tls_requested());
  CHECK_FALSE(f.session->authenticated());
  // A partly received command before STARTTLS is forgotten too.
  Fixture g(false);
  g.send("x1 LOGIN {5}\r\n");
  g.send("a STARTTLS\r\n");
}

TEST_CASE("three bad commands before login close the connection") {
  Fixture f;
  CHECK(f.send("a FOO\r\n").rfind("a BAD", 0) == 0);
  CHECK(f.send("b SELECT INBOX\r\n").rfind("b BAD", 0) == 0);  // not logged in
  CHECK_FALSE(f.conn.closing());
  std::string out = f.send("c\r\n");
  CHECK(out.find("c BAD") != std::string::npos);
  CHECK(out.find("* BYE") != std::string::npos);
  CHECK(f.conn.closing());
}

TEST_CASE("a literal too big before login gets BYE without a continuation") {
  Fixture f;
  std::string out = f.send("a LOGIN {100000}\r\n");
  CHECK(out.find("+ ") == std::string::npos);
  CHECK(out.rfind("* BYE", 0) == 0);
  CHECK(f.conn.closing());
  Fixture g;
  out = g.send("a LOGIN {100000+}\r\n");
  CHECK(out.rfind("* BYE", 0) == 0);
}

TEST_CASE("LOGIN with literals, then authenticated-state commands") {
  Fixture f;
  std::string out = f.send("a LOGIN {17}\r\n");
  CHECK(out == "+ OK\r\n");
  out = f.send("alice@example.com \"Secret-1\"\r\n");
  CHECK(out.rfind("a OK [CAPABILITY IMAP4rev1", 0) == 0);
  CHECK(f.session->authenticated());
  CHECK(f.conn.authenticated());
  CHECK(f.logged_user == "alice@example.com");
  CHECK(f.send("b LOGIN x y\r\n").rfind("b BAD", 0) == 0);  // already logged in
  CHECK(f.send("c NAMESPACE\r\n") ==
        "* NAMESPACE ((\"\" \"/\")) NIL ((\"shared/\" \"/\"))\r\nc OK Namespace completed.\r\n");
  // RFC 7162: CONDSTORE is enabled once; unknown names are not reported (RFC 5161).
  CHECK(f.send("d ENABLE CONDSTORE X-UNKNOWN\r\n") == "* ENABLED CONDSTORE\r\nd OK Enabled.\r\n");
  CHECK(f.send("d ENABLE CONDSTORE\r\n") == "* ENABLED\r\nd OK Enabled.\r\n");
  out = f.send("e LOGOUT\r\n");
  CHECK(out == "* BYE Logging out\r\ne OK Logout completed.\r\n");
  CHECK(f.conn.closing());
}

TEST_CASE("wrong password: NO [AUTHENTICATIONFAILED] after the delay, session stays usable") {
  Fixture f;
  std::string out = f.send("a LOGIN alice@example.com wrong\r\n");
  CHECK(out == "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  CHECK_FALSE(f.session->authenticated());
  out = f.send("b LOGIN nobody@example.com Secret-1\r\n");
  CHECK(out == "b NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
}

TEST_CASE("AUTHENTICATE PLAIN with SASL-IR, PLAIN with a continuation, LOGIN, cancel") {
  {
    Fixture f;
    std::string out = f.send("a AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAFNlY3JldC0x\r\n");
    CHECK(out.rfind("a OK", 0) == 0);
  }
  {
    Fixture f;
    CHECK(f.send("a AUTHENTICATE PLAIN\r\n") == "+ \r\n");
    std::string out = f.send("AGFsaWNlQGV4YW1wbGUuY29tAFNlY3JldC0x\r\n");
    CHECK(out.rfind("a OK", 0) == 0);
  }
  {
    Fixture f;
    CHECK(f.send("a AUTHENTICATE LOGIN\r\n") == "+ VXNlcm5hbWU6\r\n");
    CHECK(f.send("YWxpY2VAZXhhbXBsZS5jb20=\r\n") == "+ UGFzc3dvcmQ6\r\n");
    CHECK(f.send("U2VjcmV0LTE=\r\n").rfind("a OK", 0) == 0);
  }
  {
    Fixture f;
    CHECK(f.send("a AUTHENTICATE PLAIN\r\n") == "+ \r\n");
    CHECK(f.send("*\r\n") == "a BAD Authentication aborted by client.\r\n");
    CHECK(f.send("b AUTHENTICATE CRAM-MD5\r\n").rfind("b NO", 0) == 0);
  }
}

TEST_CASE("ID answers with the server name; bad ID arguments are BAD") {
  Fixture f;
  CHECK(f.send("a ID (\"name\" \"test\")\r\n") ==
        "* ID (\"name\" \"tegami\")\r\na OK ID completed.\r\n");
  CHECK(f.send("b ID NIL\r\n").find("b OK") != std::string::npos);
  CHECK(f.send("c ID (\"name\")\r\n").rfind("c BAD", 0) == 0);
}

TEST_CASE("twenty bad commands after login close the connection") {
  Fixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  for (int i = 0; i < 19; ++i) f.send("x BOGUS\r\n");
  CHECK_FALSE(f.conn.closing());
  CHECK(f.send("x BOGUS\r\n").find("* BYE") != std::string::npos);
  CHECK(f.conn.closing());
}

TEST_CASE("first login creates the Maildir and the SPECIAL-USE folders, listed with attributes") {
  Fixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  std::string out = f.send("b LIST \"\" *\r\n");
  CHECK(out.find("* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n") != std::string::npos);
  CHECK(out.find("* LIST (\\HasNoChildren \\Subscribed \\Sent) \"/\" \"Sent\"\r\n") !=
        std::string::npos);
  CHECK(out.find("\\Drafts) \"/\" \"Drafts\"") != std::string::npos);
  CHECK(out.find("\\Trash) \"/\" \"Trash\"") != std::string::npos);
  CHECK(out.find("\\Junk) \"/\" \"Junk\"") != std::string::npos);
  CHECK(out.find("\\Archive) \"/\" \"Archive\"") != std::string::npos);
  CHECK(out.find("b OK") != std::string::npos);
}

TEST_CASE("CREATE/RENAME/DELETE with Japanese names; traversal refused with NO [CANNOT]") {
  Fixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  CHECK(f.send("b CREATE &Tgtm+DBN-/2024\r\n") == "b OK Create completed.\r\n");
  std::string out = f.send("c LIST \"\" \"&Tgtm+DBN-*\"\r\n");
  CHECK(out ==
        "* LIST (\\Noselect \\HasChildren) \"/\" \"&Tgtm+DBN-\"\r\n"
        "* LIST (\\HasNoChildren) \"/\" \"&Tgtm+DBN-/2024\"\r\n"
        "c OK List completed.\r\n");
  CHECK(f.send("d RENAME &Tgtm+DBN-/2024 &kAFP4W4IMH8-\r\n") == "d OK Rename completed.\r\n");
  CHECK(f.send("e LIST \"\" %\r\n").find("\"&kAFP4W4IMH8-\"") != std::string::npos);
  CHECK(f.send("f CREATE &kAFP4W4IMH8-\r\n").rfind("f NO [ALREADYEXISTS]", 0) == 0);
  CHECK(f.send("g DELETE &kAFP4W4IMH8-\r\n") == "g OK Delete completed.\r\n");
  CHECK(f.send("h DELETE INBOX\r\n").rfind("h NO [CANNOT]", 0) == 0);
  for (const char* bad : {"../x", "a/../../x", "/etc", "~root", "a..b", "..", "&AC8-etc",
                          "&AC4ALg-", "a/./b", "x/cur", "&AAA-"}) {
    std::string reply = f.send(std::string("x CREATE ") + bad + "\r\n");
    std::string bad_name(bad);
    CAPTURE(bad_name);
    CAPTURE(reply);
    CHECK(reply.rfind("x NO [CANNOT]", 0) == 0);
  }
  // nothing was created outside the Maildir
  CHECK_FALSE(std::filesystem::exists(f.tmp.path() + "/x"));
  CHECK_FALSE(std::filesystem::exists(f.tmp.path() + "/example.com/x"));
}

TEST_CASE("SUBSCRIBE/LSUB/UNSUBSCRIBE and STATUS") {
  Fixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  CHECK(f.send("b SUBSCRIBE Work\r\n") == "b OK Subscribe completed.\r\n");
  CHECK(f.send("c LSUB \"\" W*\r\n") == "* LSUB () \"/\" \"Work\"\r\nc OK Lsub completed.\r\n");
  CHECK(f.send("d UNSUBSCRIBE Work\r\n") == "d OK Unsubscribe completed.\r\n");
  CHECK(f.send("e LSUB \"\" W*\r\n") == "e OK Lsub completed.\r\n");
  std::string out = f.send("f STATUS INBOX (MESSAGES UIDNEXT UNSEEN RECENT)\r\n");
  CHECK(out.rfind("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0 RECENT 0)\r\nf OK", 0) == 0);
  CHECK(f.send("g STATUS Nope (MESSAGES)\r\n").rfind("g NO [NONEXISTENT]", 0) == 0);
  CHECK(f.send("h STATUS INBOX (BOGUS)\r\n").rfind("h BAD", 0) == 0);
}

TEST_CASE("a second session sees new mail and flag changes on NOOP") {
  Fixture a;
  REQUIRE(a.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  REQUIRE(a.send("b APPEND INBOX {11+}\r\nSubject: x\n\r\n").find("b OK [APPENDUID") !=
          std::string::npos);
  REQUIRE(a.send("c SELECT INBOX\r\n").find("* 1 EXISTS") != std::string::npos);
  // The second session shares the first one's mail root.
  imap::SessionOptions o;
  o.config = make_config(a.tmp.path());
  o.allow_plaintext_auth = true;
  o.login = &a.login;
  net::FakeConnection c2;
  imap::Session s2(std::move(o));
  s2.on_open(c2);
  auto send2 = [&](std::string_view wire) {
    c2.feed(s2, wire);
    for (int i = 0; i < 4; ++i) {
      c2.run_pending_work();
      c2.fire_timers(std::chrono::milliseconds(60000));
      if (!c2.paused()) c2.deliver(s2);
    }
    return c2.take_output();
  };
  REQUIRE(send2("a LOGIN alice@example.com Secret-1\r\n").find("a OK") != std::string::npos);
  REQUIRE(send2("b SELECT INBOX\r\n").find("* 1 EXISTS") != std::string::npos);
  CHECK(a.send("d STORE 1 +FLAGS (\\Flagged)\r\n").find("* 1 FETCH (FLAGS (\\Flagged))") !=
        std::string::npos);
  CHECK(a.send("e APPEND INBOX {11+}\r\nSubject: y\n\r\n").find("e OK") != std::string::npos);
  std::string out = send2("c NOOP\r\n");
  CHECK(out.find("* 2 EXISTS\r\n") != std::string::npos);
  CHECK(out.find("* 1 FETCH (UID 1 FLAGS (\\Flagged))") != std::string::npos);
  // The first session learns of its own APPEND at its next command.
  CHECK(a.send("f STORE 1 +FLAGS.SILENT (\\Deleted)\r\n") ==
        "* 2 EXISTS\r\n* 0 RECENT\r\nf OK Store completed.\r\n");  // \Recent went to s2
  CHECK(a.send("g EXPUNGE\r\n").find("* 1 EXPUNGE\r\n") != std::string::npos);
  out = send2("d NOOP\r\n");
  CHECK(out.find("* 1 EXPUNGE\r\n") != std::string::npos);
  out = send2("e FETCH 1 (UID BODY.PEEK[])\r\n");
  CHECK(out == "* 1 FETCH (UID 2 BODY[] {12}\r\nSubject: y\r\n)\r\ne OK Fetch completed.\r\n");
}

TEST_CASE("IDLE reports new mail from another session and ends with DONE") {
  Fixture a;
  REQUIRE(a.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  REQUIRE(a.send("b SELECT INBOX\r\n").find("* 0 EXISTS") != std::string::npos);
  CHECK(a.send("c IDLE\r\n") == "+ idling\r\n");
  // Another writer delivers into INBOX while the session idles.
  auto added = maildir::append_to_folder(a.tmp.path() + "/example.com/alice", "Subject: z\n\nhi\n");
  REQUIRE(added.ok());
  a.conn.fire_timers(std::chrono::milliseconds(2500));
  a.conn.run_pending_work();
  CHECK(a.conn.take_output() == "* 1 EXISTS\r\n* 1 RECENT\r\n");
  CHECK(a.send("DONE\r\n") == "c OK Idle completed.\r\n");
  CHECK(a.send("d NOOP\r\n") == "d OK NOOP completed.\r\n");
  // Without timers firing in between (Fixture::send jumps the fake clock by a minute).
  // IDLE first syncs once (changes since the last command) on a worker thread.
  a.conn.feed(*a.session, "e IDLE\r\nnonsense\r\n");
  a.conn.run_pending_work();
  a.conn.deliver(*a.session);
  CHECK(a.conn.take_output() == "+ idling\r\ne BAD Expected DONE.\r\n");
}

namespace {

// A fixture whose config has a 1 MB quota for alice, a 1000-byte message limit and at most
// two sessions per user.
struct LimitFixture : Fixture {
  LimitFixture() {
    auto c = std::make_shared<Config>(*make_config(tmp.path()));
    c->limits.max_message_size = 1000;
    c->imap.max_sessions_per_user = 2;
    c->domains[0].accounts[0].quota_mb = 1;
    config = c;
    imap::SessionOptions o;
    o.config = c;
    o.allow_plaintext_auth = true;
    o.login = &login;
    session = std::make_unique<imap::Session>(std::move(o));
    session->on_open(conn);
    (void)conn.take_output();
  }
  std::shared_ptr<const Config> config;
};

}  // namespace

TEST_CASE("APPENDLIMIT in CAPABILITY; APPEND too big: NO [TOOBIG] before any continuation") {
  LimitFixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  std::string caps = f.send("b CAPABILITY\r\n");
  CHECK(caps.find(" APPENDLIMIT=1000") != std::string::npos);
  CHECK(caps.find(" QUOTA QUOTA=RES-STORAGE") != std::string::npos);
  std::string out = f.send("c APPEND INBOX {1001}\r\n");
  CHECK(out.rfind("c NO [TOOBIG]", 0) == 0);
  CHECK(out.find("+ ") == std::string::npos);
  // The parser forgot the command: the next line is a new command.
  CHECK(f.send("d NOOP\r\n") == "d OK NOOP completed.\r\n");
  // A LITERAL+ message cannot be stopped before it arrives; it is refused after.
  out = f.send("e APPEND INBOX {1001+}\r\n" + std::string(1001, 'x') + "\r\n");
  CHECK(out.rfind("e NO [TOOBIG]", 0) == 0);
  // A mailbox name given as a small literal still gets its continuation.
  out = f.send("f APPEND {5}\r\n");
  CHECK(out == "+ OK\r\n");
  out = f.send("INBOX {11}\r\n");
  CHECK(out == "+ OK\r\n");
  out = f.send("Subject: x\n\r\n");
  CHECK(out.rfind("f OK [APPENDUID", 0) == 0);
  // A target that does not exist: NO [TRYCREATE] before the continuation, too.
  out = f.send("g APPEND \"No such\" (\\Seen) {10}\r\n");
  CHECK(out.rfind("g NO [TRYCREATE]", 0) == 0);
  CHECK(out.find("+ ") == std::string::npos);
  CHECK(f.send("h NOOP\r\n") == "h OK NOOP completed.\r\n");
}

TEST_CASE("APPEND over quota: NO [OVERQUOTA] before the continuation, nothing stored") {
  LimitFixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  // Fill the 1 MB mailbox from outside (another delivery path).
  std::string root = f.tmp.path() + "/example.com/alice";
  maildir::AppendOptions big;
  big.max_size = 0;
  REQUIRE(maildir::append_to_folder(root, std::string(1100000, 'x'), big).ok());
  std::string out = f.send("b APPEND INBOX {100}\r\n");
  CHECK(out.rfind("b NO [OVERQUOTA]", 0) == 0);
  CHECK(out.find("+ ") == std::string::npos);
  CHECK(f.send("c NOOP\r\n") == "c OK NOOP completed.\r\n");
  out = f.send("d GETQUOTAROOT INBOX\r\n");
  CHECK(out.find("* QUOTAROOT \"INBOX\" \"User quota\"\r\n") != std::string::npos);
  CHECK(out.find("* QUOTA \"User quota\" (STORAGE 1074 1024)\r\n") != std::string::npos);
  CHECK(f.send("e SETQUOTA \"User quota\" (STORAGE 5000)\r\n").rfind("e NO [NOPERM]", 0) == 0);
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(root + "/cur")) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("per-user IMAP session limit: NO [LIMIT] past imap.max_sessions_per_user") {
  LimitFixture a;
  REQUIRE(a.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  auto second = std::make_unique<LimitFixture>();
  REQUIRE(second->send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  LimitFixture third;
  CHECK(third.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a NO [LIMIT]", 0) == 0);
  second.reset();  // a session that ends gives its place back
  CHECK(third.send("b LOGIN alice@example.com Secret-1\r\n").rfind("b OK", 0) == 0);
}

TEST_CASE("IDLE is woken through the Watcher's fd, without waiting for the poll timer") {
  Fixture a;
  REQUIRE(a.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  REQUIRE(a.send("b SELECT INBOX\r\n").find("* 0 EXISTS") != std::string::npos);
  CHECK(a.send("c IDLE\r\n") == "+ idling\r\n");
  CHECK(a.conn.watch_count() == 1);  // the inotify fd is polled by the loop
  auto added = maildir::append_to_folder(a.tmp.path() + "/example.com/alice", "Subject: z\n\nhi\n");
  REQUIRE(added.ok());
  a.conn.fire_watches();  // no timer fires
  a.conn.run_pending_work();
  CHECK(a.conn.take_output() == "* 1 EXISTS\r\n* 1 RECENT\r\n");
  CHECK(a.send("DONE\r\n") == "c OK Idle completed.\r\n");
  CHECK(a.conn.watch_count() == 0);
  // The message is \Recent in this session, which claimed it: FETCH FLAGS says so.
  CHECK(a.send("d FETCH 1 FLAGS\r\n") ==
        "* 1 FETCH (FLAGS (\\Recent))\r\nd OK Fetch completed.\r\n");
  CHECK(a.send("e STORE 1 +FLAGS (\\Seen)\r\n") ==
        "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\ne OK Store completed.\r\n");
}

TEST_CASE("server.mailbox_name_encoding utf8: folders are made and found with UTF-8 names") {
  Fixture f;
  auto c = std::make_shared<Config>(*make_config(f.tmp.path()));
  c->server.mailbox_name_encoding = tegami::config::MailboxNameEncoding::kUtf8;
  c->imap.sent = "送信済み";
  imap::SessionOptions o;
  o.config = c;
  o.allow_plaintext_auth = true;
  o.login = &f.login;
  f.session = std::make_unique<imap::Session>(std::move(o));
  f.session->on_open(f.conn);
  (void)f.conn.take_output();
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  std::string root = f.tmp.path() + "/example.com/alice";
  CHECK(std::filesystem::is_directory(root + "/.送信済み/cur"));
  CHECK(f.send("b CREATE &Tgtm+DBN-\r\n") == "b OK Create completed.\r\n");  // 下書き
  CHECK(std::filesystem::is_directory(root + "/.下書き/cur"));
  CHECK_FALSE(std::filesystem::exists(root + "/.&Tgtm+DBN-"));
  CHECK(f.send("c SELECT &Tgtm+DBN-\r\n").find("c OK [READ-WRITE]") != std::string::npos);
  std::string list = f.send("d LIST \"\" *\r\n");
  CHECK(list.find("(\\HasNoChildren \\Subscribed \\Sent) \"/\" \"&kAFP4W4IMH8-\"") !=
        std::string::npos);
}

TEST_CASE("LIST-EXTENDED syntax: (SPECIAL-USE) selection, pattern lists, RETURN options") {
  Fixture f;
  REQUIRE(f.send("a LOGIN alice@example.com Secret-1\r\n").rfind("a OK", 0) == 0);
  REQUIRE(f.send("b CREATE Work\r\n") == "b OK Create completed.\r\n");
  std::string out = f.send("c LIST (SPECIAL-USE) \"\" *\r\n");
  CHECK(out.find("\\Sent) \"/\" \"Sent\"") != std::string::npos);
  CHECK(out.find("\\Drafts) \"/\" \"Drafts\"") != std::string::npos);
  CHECK(out.find("\"Work\"") == std::string::npos);
  CHECK(out.find("\"INBOX\"") == std::string::npos);
  CHECK(out.find("c OK List completed.") != std::string::npos);
  out = f.send("d LIST \"\" (INBOX Work) RETURN (SPECIAL-USE CHILDREN)\r\n");
  CHECK(out ==
        "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n* LIST (\\HasNoChildren) \"/\" \"Work\"\r\n"
        "d OK List completed.\r\n");
  out = f.send("e LIST (SUBSCRIBED) \"\" *\r\n");
  CHECK(out.find("\"Work\"") == std::string::npos);  // not subscribed
  CHECK(out.find("\\Subscribed \\Trash) \"/\" \"Trash\"") != std::string::npos);
  CHECK(f.send("f LIST (BOGUS) \"\" *\r\n").rfind("f BAD", 0) == 0);
  CHECK(f.send("g LIST \"\" * RETURN (BOGUS)\r\n").rfind("g BAD", 0) == 0);
}
