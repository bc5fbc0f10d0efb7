// The control socket protocol (who, kick, reload as JSON lines), the session registry behind
// who/kick, and the client against a real unix socket.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "control/client.h"
#include "control/protocol.h"
#include "control/session_registry.h"
#include "temp_dir.h"

using namespace tegami::control;
using nlohmann::json;

namespace {
class FakeBackend : public Backend {
 public:
  explicit FakeBackend(SessionRegistry& r) : registry_(r) {}
  std::vector<SessionInfo> sessions() override { return registry_.list(); }
  std::size_t kick(std::string_view user) override { return registry_.kick(user); }
  ReloadOutcome reload() override {
    ++reloads;
    return next_reload;
  }
  int reloads = 0;
  ReloadOutcome next_reload{true, {}, {}};

 private:
  SessionRegistry& registry_;
};

json answer(std::string_view line, Backend& b) {
  std::string out = handle_request(line, b);
  REQUIRE(!out.empty());
  CHECK(out.back() == '\n');
  CHECK(out.find('\n') == out.size() - 1);  // exactly one line
  return json::parse(out);
}
}  // namespace

TEST_CASE("requests parse case-insensitively with their arguments") {
  CHECK(parse_request("who").kind == Request::Kind::kWho);
  CHECK(parse_request("WHO\r").kind == Request::Kind::kWho);
  CHECK(parse_request("  reload  ").kind == Request::Kind::kReload);
  Request k = parse_request("kick alice@example.test");
  CHECK(k.kind == Request::Kind::kKick);
  CHECK(k.argument == "alice@example.test");
  CHECK(parse_request("kick").kind == Request::Kind::kInvalid);
  CHECK(parse_request("kick a b").kind == Request::Kind::kInvalid);
  CHECK(parse_request("who me").kind == Request::Kind::kInvalid);
  CHECK(parse_request("").kind == Request::Kind::kInvalid);
  CHECK(parse_request("shutdown").argument == "unknown command");
  CHECK(parse_request(std::string(kMaxRequestLine + 1, 'w')).kind == Request::Kind::kInvalid);
}

TEST_CASE("who lists registered sessions; a dropped handle disappears") {
  SessionRegistry reg;
  FakeBackend b(reg);
  CHECK(answer("who", b) == json::parse(R"({"ok":true,"sessions":[]})"));
  auto h1 = reg.add({0, "imap", "imaps", "", "127.0.0.1:4000", true, {}}, nullptr);
  {
    auto h2 = reg.add({0, "pop3", "pop3", "", "[::1]:5000", false, {}}, nullptr);
    h1.set_user("alice@example.test");
    json j = answer("who", b);
    REQUIRE(j["sessions"].size() == 2);
    CHECK(j["sessions"][0]["protocol"] == "imap");
    CHECK(j["sessions"][0]["listener"] == "imaps");
    CHECK(j["sessions"][0]["user"] == "alice@example.test");
    CHECK(j["sessions"][0]["client"] == "127.0.0.1:4000");
    CHECK(j["sessions"][0]["tls"] == true);
    CHECK(j["sessions"][0]["since"].get<std::string>().size() == 20);
    CHECK(j["sessions"][1]["user"] == "");
    CHECK(j["sessions"][1]["client"] == "[::1]:5000");
  }
  CHECK(answer("who", b)["sessions"].size() == 1);
  h1.reset();
  CHECK(reg.size() == 0);
}

TEST_CASE("kick calls the kick function of that user's sessions only") {
  SessionRegistry reg;
  FakeBackend b(reg);
  int alice_kicked = 0, bob_kicked = 0;
  auto a1 = reg.add({0, "imap", "imap", "", "x", false, {}}, [&] { ++alice_kicked; });
  auto a2 = reg.add({0, "pop3", "pop3", "", "x", false, {}}, [&] { ++alice_kicked; });
  auto b1 = reg.add({0, "imap", "imap", "", "x", false, {}}, [&] { ++bob_kicked; });
  auto anon = reg.add({0, "smtp", "smtp", "", "x", false, {}}, [&] { FAIL("anonymous kicked"); });
  a1.set_user("alice@example.test");
  a2.set_user("alice@example.test");
  b1.set_user("bob@example.test");
  json j = answer("kick ALICE@example.test", b);
  CHECK(j["ok"] == true);
  CHECK(j["kicked"] == 2);
  CHECK(alice_kicked == 2);
  CHECK(bob_kicked == 0);
  CHECK(answer("kick nobody@example.test", b)["kicked"] == 0);
}

TEST_CASE("reload reports warnings, or errors with the old config kept") {
  SessionRegistry reg;
  FakeBackend b(reg);
  b.next_reload = {true, {}, {"conf/domains/a.yaml:3:5: quota sum over disk_quota"}};
  json ok = answer("reload", b);
  CHECK(ok["ok"] == true);
  CHECK(ok["warnings"][0] == "conf/domains/a.yaml:3:5: quota sum over disk_quota");
  b.next_reload = {false, {"conf/tegami.yaml:7:3: unknown key 'listners'"}, {}};
  json bad = answer("reload", b);
  CHECK(bad["ok"] == false);
  CHECK(bad["errors"][0] == "conf/tegami.yaml:7:3: unknown key 'listners'");
  CHECK(b.reloads == 2);
}

TEST_CASE("unknown commands and hostile bytes still give one valid JSON line") {
  SessionRegistry reg;
  FakeBackend b(reg);
  CHECK(answer("frobnicate", b)["ok"] == false);
  auto h = reg.add({0, "imap", "imap", "", "x", false, {}}, nullptr);
  h.set_user(std::string("ev\"il\n\x01\xff", 8));
  json j = answer("who", b);
  CHECK(j["sessions"][0]["user"].get<std::string>().find("ev\"il\n\x01") == 0);
}

TEST_CASE("rendered answers for the admin command") {
  RenderedAnswer who = render_answer(
      Request::Kind::kWho,
      R"({"ok":true,"sessions":[{"protocol":"imap","listener":"imaps","user":"a@b","client":"1.2.3.4:5","tls":true,"since":"2026-01-01T00:00:00Z"}]})");
  CHECK(who.ok);
  CHECK(who.text.find("PROTOCOL") == 0);
  CHECK(who.text.find("a@b") != std::string::npos);
  CHECK(who.text.find("1.2.3.4:5") != std::string::npos);
  RenderedAnswer kick =
      render_answer(Request::Kind::kKick, R"({"ok":true,"user":"a@b","kicked":3})");
  CHECK(kick.text == "kicked 3 session(s) of a@b\n");
  RenderedAnswer bad =
      render_answer(Request::Kind::kReload, R"({"ok":false,"error":"bad","errors":["f:1:2: m"]})");
  CHECK_FALSE(bad.ok);
  CHECK(bad.text == "error: bad\n  f:1:2: m\n");
  CHECK_FALSE(render_answer(Request::Kind::kWho, "not json").ok);
}

TEST_CASE("default socket path sits next to the mail root") {
  CHECK(default_socket_path("/srv/mail") == "/srv/tegamid.sock");
  CHECK(default_socket_path("/srv/mail/") == "/srv/tegamid.sock");
  CHECK(default_socket_path("/mail") == "/tegamid.sock");
}

TEST_CASE("client talks to a unix socket and reports a missing daemon") {
  TempDir dir;
  std::string path = dir.path() + "/c.sock";
  auto missing = request(path, "who", std::chrono::milliseconds(500));
  CHECK(missing.status().code() == maildir::Code::kNotFound);

  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  std::atomic<bool> got_who{false};
  std::thread server([&] {
    int c = ::accept(fd, nullptr, nullptr);
    char buf[64] = {};
    ssize_t n = ::recv(c, buf, sizeof buf - 1, 0);
    got_who = n == 4 && std::string(buf, 4) == "who\n";
    const char* reply = "{\"ok\":true,\"sessions\":[]}\n";
    (void)::send(c, reply, std::strlen(reply), 0);
    ::close(c);
    // A second client that never gets an answer: the timeout must end its wait.
    int c2 = ::accept(fd, nullptr, nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ::close(c2);
  });
  auto r = request(path, "who", std::chrono::seconds(5));
  REQUIRE(r.ok());
  CHECK(*r == "{\"ok\":true,\"sessions\":[]}");
  auto slow = request(path, "who", std::chrono::milliseconds(200));
  CHECK_FALSE(slow.ok());
  server.join();
  ::close(fd);
  CHECK(got_who);
}

namespace {
class QueueBackend : public FakeBackend {
 public:
  using FakeBackend::FakeBackend;
  std::string queue_action(QueueAction action, std::string_view id) override {
    calls.emplace_back(action, std::string(id));
    return id == "missing" ? "no such queue entry" : "";
  }
  std::vector<std::pair<QueueAction, std::string>> calls;
};
}  // namespace

TEST_CASE("queue flush|retry|delete reach the backend; bad forms do not") {
  CHECK(parse_request("queue flush").kind == Request::Kind::kQueueFlush);
  CHECK(parse_request("QUEUE Retry 1.M2P3Q4.host").kind == Request::Kind::kQueueRetry);
  CHECK(parse_request("queue delete 1.M2P3Q4.host").argument == "1.M2P3Q4.host");
  CHECK(parse_request("queue").kind == Request::Kind::kInvalid);
  CHECK(parse_request("queue flush now").kind == Request::Kind::kInvalid);
  CHECK(parse_request("queue retry").kind == Request::Kind::kInvalid);
  CHECK(parse_request("queue delete a b").kind == Request::Kind::kInvalid);
  CHECK(parse_request("queue purge").kind == Request::Kind::kInvalid);

  SessionRegistry reg;
  QueueBackend b(reg);
  CHECK(answer("queue flush", b) == json::parse(R"({"ok":true,"queue":"flush"})"));
  CHECK(answer("queue retry 1.M2P3Q4.host", b) ==
        json::parse(R"({"ok":true,"queue":"retry","id":"1.M2P3Q4.host"})"));
  CHECK(answer("queue delete missing", b) ==
        json::parse(R"({"ok":false,"error":"no such queue entry"})"));
  CHECK(answer("queue delete", b)["ok"] == false);
  REQUIRE(b.calls.size() == 3);
  CHECK(b.calls[0].first == Backend::QueueAction::kFlush);
  CHECK(b.calls[1] == std::make_pair(Backend::QueueAction::kRetry, std::string("1.M2P3Q4.host")));
  CHECK(b.calls[2].first == Backend::QueueAction::kDelete);
  // A backend without a queue says so.
  FakeBackend plain(reg);
  CHECK(answer("queue flush", plain)["error"] == "no mail queue in this process");
}
