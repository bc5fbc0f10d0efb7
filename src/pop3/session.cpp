// The POP3 session handler. Commands are data: kCommands says in which state each is allowed;
// one place (dispatch) checks that before a handler runs.
#include "pop3/session.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "auth/sasl.h"
#include "control/session_registry.h"
#include "log/log.h"
#include "login/login.h"
#include "net/line_framer.h"
#include "pop3/dot_stuffer.h"
#include "pop3/maildrop.h"
#include "pop3/parser.h"

namespace tegami::pop3 {

namespace {

using login::LoginOutcome;

constexpr std::string_view kPlaintextRefused =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n";
constexpr std::string_view kAuthFailed = "-ERR [AUTH] Authentication failed.\r\n";

struct Authorization {
  std::string user;                               // from USER
  std::optional<tegami_auth::SaslExchange> sasl;  // an AUTH exchange in progress
  std::string sasl_method;
};
struct Transaction {
  std::shared_ptr<Maildrop> drop;
  std::string user;
  bool mark_seen = true;  // the user's domain's pop3_mark_seen
};
using State = std::variant<Authorization, Transaction>;

class Session final : public net::Handler {
 public:
  Session(std::shared_ptr<const config::Config> config, SessionOptions options)
      : config_(std::move(config)),
        options_(options),
        framer_(config_->limits.max_line_length > 2 ? config_->limits.max_line_length - 2 : 510) {}

  void on_open(net::Connection& c) override {
    c.set_idle_timeout(config_->pop3.idle_timeout);
    c.send("+OK " + config_->server.hostname + " tegami POP3 ready.\r\n");
  }

  size_t on_input(net::Connection& c, std::string_view data) override {
    size_t used = 0;
    while (used < data.size() && !busy_ && !c.closing()) {
      if (c.above_high_water()) break;
      net::LineFramer::Result r = framer_.next(data.substr(used));
      used += r.consumed;
      if (r.kind == net::LineFramer::Kind::kNeedMore) break;
      if (r.kind == net::LineFramer::Kind::kTooLong) {
        c.send("-ERR Line too long.\r\n");
        bad_command(c);
        continue;
      }
      if (handle_line(c, r.line)) return data.size();  // STLS: the rest is discarded anyway
    }
    return used;
  }

  void on_limit(net::Connection& c, net::LimitKind kind) override {
    if (kind == net::LimitKind::kInputOverflow) {
      c.send("-ERR Input buffer full.\r\n");
    } else {
      c.send("-ERR [SYS/TEMP] Too many connections, try again later.\r\n");
    }
  }

  void on_timeout(net::Connection& c, net::TimeoutKind) override {
    c.send("-ERR Disconnected for inactivity.\r\n");
  }

  void on_tls_ready(net::Connection&) override {
    state_ = Authorization{};  // RFC 2595: forget everything learned before TLS
  }

  void on_shutdown(net::Connection& c) override {
    c.send("-ERR [SYS/TEMP] Server shutting down.\r\n");
  }

  void on_close(net::Connection&, net::CloseReason reason) override {
    if (auto* t = std::get_if<Transaction>(&state_)) {
      logging::logout(
          "pop3", t->user,
          quit_ ? "Logged out"
                : std::string("Disconnected: ") + std::string(net::close_reason_name(reason)),
          0, 0);
    }
    // Dropping the maildrop releases the POP3 lock; nothing is expunged without QUIT.
    // A worker still holding it (a running commit) releases it when it finishes.
    state_ = Authorization{};
  }

 private:
  bool in_auth() const { return std::holds_alternative<Authorization>(state_); }

  void bad_command(net::Connection& c) {
    ++bad_;
    unsigned limit = in_auth() ? options_.max_bad_before_auth : options_.max_bad_after_auth;
    if (bad_ >= limit) {
      c.send("-ERR Too many bad commands.\r\n");
      c.close();
    }
  }

  void busy(net::Connection& c) {
    busy_ = true;
    c.pause_input();
  }
  void idle(net::Connection& c) {
    busy_ = false;
    c.resume_input();
  }

  // Returns true when the connection switched to TLS (stop reading this buffer).
  bool handle_line(net::Connection& c, std::string_view line) {
    if (auto* a = std::get_if<Authorization>(&state_); a && a->sasl) {
      sasl_step(c, a->sasl->respond(line));
      return false;
    }
    ParseResult parsed = parse_command(line);
    if (auto* e = std::get_if<ParseError>(&parsed)) {
      switch (*e) {
        case ParseError::kUnknownCommand:
        case ParseError::kEmpty:
          c.send("-ERR Unknown command.\r\n");
          break;
        case ParseError::kBadNumber:
          c.send("-ERR Invalid message number.\r\n");
          break;
        case ParseError::kWrongArguments:
          c.send("-ERR Wrong number of arguments.\r\n");
          break;
        case ParseError::kTooLong:
          c.send("-ERR Argument too long.\r\n");
          break;
      }
      bad_command(c);
      return false;
    }
    const ParsedCommand& cmd = std::get<ParsedCommand>(parsed);
    bool auth_only = cmd.command == Command::kUser || cmd.command == Command::kPass ||
                     cmd.command == Command::kStls || cmd.command == Command::kAuth;
    bool any_state = cmd.command == Command::kCapa || cmd.command == Command::kQuit;
    if (!any_state && auth_only != in_auth()) {
      c.send(in_auth() ? "-ERR Not logged in.\r\n" : "-ERR Already logged in.\r\n");
      bad_command(c);
      return false;
    }
    switch (cmd.command) {
      case Command::kCapa:
        capa(c);
        return false;
      case Command::kQuit:
        quit(c);
        return false;
      case Command::kStls:
        return stls(c);
      case Command::kUser:
        user(c, cmd.args[0]);
        return false;
      case Command::kPass:
        pass(c, cmd.args[0]);
        return false;
      case Command::kAuth:
        auth(c, cmd);
        return false;
      default:
        transaction(c, cmd);
        return false;
    }
  }

  bool plaintext_allowed(net::Connection& c) const {
    return c.tls_active() || options_.allow_plaintext_auth;
  }

  void capa(net::Connection& c) {
    std::string out =
        "+OK Capability list follows\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
        "AUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (in_auth()) {
      if (plaintext_allowed(c)) out += "USER\r\nSASL PLAIN LOGIN\r\n";
      if (options_.starttls_offered && !c.tls_active()) out += "STLS\r\n";
    }
    out += "IMPLEMENTATION tegami\r\n.\r\n";
    c.send(std::move(out));
  }

  bool stls(net::Connection& c) {
    if (c.tls_active() || !options_.starttls_offered) {
      c.send(c.tls_active() ? "-ERR TLS is already active.\r\n" : "-ERR STLS not available.\r\n");
      bad_command(c);
      return false;
    }
    c.send("+OK Begin TLS negotiation now.\r\n");
    if (!c.start_tls().ok()) {
      c.send("-ERR [SYS/TEMP] TLS not available.\r\n");
      return false;
    }
    return true;
  }

  void user(net::Connection& c, std::string_view name) {
    auto& a = std::get<Authorization>(state_);
    if (!plaintext_allowed(c)) {
      c.send(kPlaintextRefused);
      bad_command(c);
      return;
    }
    a.user = std::string(name);
    c.send("+OK\r\n");
  }

  void pass(net::Connection& c, std::string_view password) {
    auto& a = std::get<Authorization>(state_);
    if (!plaintext_allowed(c)) {
      c.send(kPlaintextRefused);
      bad_command(c);
      return;
    }
    if (a.user.empty()) {
      c.send("-ERR No username given.\r\n");
      bad_command(c);
      return;
    }
    std::string name = std::exchange(a.user, std::string());
    start_login(c, std::move(name), std::string(password), "USER");
  }

  void auth(net::Connection& c, const ParsedCommand& cmd) {
    if (cmd.args.empty()) {
      c.send("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n");
      return;
    }
    auto mech = tegami_auth::parse_sasl_mechanism(cmd.args[0]);
    if (!mech) {
      c.send("-ERR Unsupported authentication mechanism.\r\n");
      bad_command(c);
      return;
    }
    if (!plaintext_allowed(c)) {
      c.send(kPlaintextRefused);
      bad_command(c);
      return;
    }
    auto& a = std::get<Authorization>(state_);
    a.sasl.emplace(*mech);
    a.sasl_method = std::string(tegami_auth::sasl_mechanism_name(*mech));
    std::optional<std::string_view> ir;
    if (cmd.args.size() > 1) ir = cmd.args[1];
    sasl_step(c, a.sasl->start(ir));
  }

  void sasl_step(net::Connection& c, tegami_auth::SaslStep step) {
    auto& a = std::get<Authorization>(state_);
    if (auto* ch = std::get_if<tegami_auth::SaslChallenge>(&step)) {
      c.send("+ " + ch->base64 + "\r\n");
      return;
    }
    std::string method = a.sasl_method;
    a.sasl.reset();
    if (auto* cred = std::get_if<tegami_auth::SaslCredentials>(&step)) {
      start_login(c, std::move(cred->username), std::move(cred->password), method);
      return;
    }
    tegami_auth::SaslError err = std::get<tegami_auth::SaslFailure>(step).error;
    if (err == tegami_auth::SaslError::kCancelled) {
      c.send("-ERR Authentication cancelled.\r\n");
      return;
    }
    // Malformed exchanges and refused names: a failed attempt, answered after the delay.
    ++auth_failures_;
    auto delay = login::process_login_service().failure_delay().record_failure(
        c.peer().ip(), std::chrono::steady_clock::now());
    busy(c);
    bool syntax = err == tegami_auth::SaslError::kBadBase64 ||
                  err == tegami_auth::SaslError::kMalformed ||
                  err == tegami_auth::SaslError::kTooLong;
    c.after(delay, [this, &c, syntax] {
      c.send(syntax ? "-ERR Invalid SASL response.\r\n" : std::string(kAuthFailed));
      after_failure(c);
    });
  }

  void after_failure(net::Connection& c) {
    idle(c);
    if (auth_failures_ >= config_->limits.max_auth_failures) {
      c.send("-ERR Too many authentication failures.\r\n");
      c.close();
    }
  }

  void start_login(net::Connection& c, std::string name, std::string password,
                   const std::string& method) {
    login::LoginRequest req;
    req.protocol = config::Protocol::kPop3;
    req.username = std::move(name);
    req.password = std::move(password);
    req.method = method;
    req.remote_ip = c.peer().ip();
    req.local_ip = c.local().ip();
    req.tls = c.tls_active();
    req.allow_plaintext_auth = options_.allow_plaintext_auth;
    req.session = c.id();
    req.attempt = auth_failures_ + 1;
    busy(c);
    login::process_login_service().login(
        c, config_, std::move(req),
        [this, &c](login::LoginResult r) { login_done(c, std::move(r)); });
  }

  void login_done(net::Connection& c, login::LoginResult r) {
    switch (r.outcome) {
      case LoginOutcome::kOk:
        break;
      case LoginOutcome::kFailed:
        ++auth_failures_;
        c.send(kAuthFailed);
        after_failure(c);
        return;
      case LoginOutcome::kPlaintextRefused:
        c.send(kPlaintextRefused);
        idle(c);
        return;
      case LoginOutcome::kDisabled:
        c.send("-ERR [SYS/PERM] Account disabled, contact your administrator.\r\n");
        idle(c);
        return;
      case LoginOutcome::kProtocolRefused:
        c.send("-ERR [SYS/PERM] POP3 is not part of your plan, contact your administrator.\r\n");
        idle(c);
        return;
      case LoginOutcome::kTemporary:
        c.send("-ERR [SYS/TEMP] Temporary authentication failure, try again later.\r\n");
        idle(c);
        return;
    }
    auto identity = std::make_shared<login::Identity>(std::move(r.identity));
    auto result = std::make_shared<maildir::Result<std::unique_ptr<Maildrop>>>(
        maildir::Status(maildir::Code::kIo, "not run"));
    c.run_blocking([identity, result] { *result = Maildrop::open(*identity); },
                   [this, &c, identity, result] { maildrop_opened(c, *identity, *result); });
  }

  void maildrop_opened(net::Connection& c, const login::Identity& id,
                       maildir::Result<std::unique_ptr<Maildrop>>& opened) {
    idle(c);
    if (!opened.ok()) {
      if (opened.status().code() == maildir::Code::kLocked) {
        c.send("-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n");
      } else {
        logging::error("pop3(" + id.address +
                       "): cannot open INBOX: " + opened.status().to_string());
        c.send("-ERR [SYS/TEMP] Cannot open the mailbox, try again later.\r\n");
      }
      return;
    }
    Transaction t;
    t.drop = std::shared_ptr<Maildrop>(std::move(opened).value());
    t.user = id.address;
    const config::Domain* domain = config_->find_domain(id.domain);
    t.mark_seen = domain != nullptr ? domain->pop3_mark_seen : config_->pop3.mark_seen;
    state_ = std::move(t);
    bad_ = 0;
    c.set_authenticated();
    control::process_sessions().set_user(c.id(), id.address);
    schedule_lock_refresh(c);
    c.send("+OK Logged in.\r\n");
  }

  void schedule_lock_refresh(net::Connection& c) {
    c.after(options_.lock_refresh, [this, &c] {
      auto* t = std::get_if<Transaction>(&state_);
      if (t == nullptr) return;
      std::shared_ptr<Maildrop> drop = t->drop;
      auto ok = std::make_shared<bool>(true);
      if (!busy_) {
        // Refresh is one utime(2): cheap, but still disk work, so off the loop.
        c.run_blocking([drop, ok] { *ok = drop->refresh_lock().ok(); },
                       [this, &c, ok] {
                         if (!*ok && !quit_) {
                           c.send("-ERR [SYS/TEMP] Lost the mailbox lock.\r\n");
                           state_ = Authorization{};
                           c.close();
                           return;
                         }
                         schedule_lock_refresh(c);
                       });
      } else {
        schedule_lock_refresh(c);
      }
    });
  }

  DropMessage* message(net::Connection& c, std::uint32_t n) {
    auto& t = std::get<Transaction>(state_);
    if (n == 0 || n > t.drop->messages().size()) {
      c.send("-ERR There's no message " + std::to_string(n) + ".\r\n");
      return nullptr;
    }
    DropMessage& m = t.drop->messages()[n - 1];
    if (m.deleted) {
      c.send("-ERR Message is deleted.\r\n");
      return nullptr;
    }
    return &m;
  }

  void transaction(net::Connection& c, const ParsedCommand& cmd) {
    Maildrop& drop = *std::get<Transaction>(state_).drop;
    auto& msgs = drop.messages();
    switch (cmd.command) {
      case Command::kStat: {
        std::uint64_t count = 0, bytes = 0;
        for (const DropMessage& m : msgs) {
          if (m.deleted) continue;
          ++count;
          bytes += m.size;
        }
        c.send("+OK " + std::to_string(count) + " " + std::to_string(bytes) + "\r\n");
        return;
      }
      case Command::kList:
      case Command::kUidl: {
        bool uidl = cmd.command == Command::kUidl;
        auto item = [&](std::size_t n, const DropMessage& m) {
          return std::to_string(n) + " " + (uidl ? drop.uidl(m) : std::to_string(m.size));
        };
        if (cmd.msg) {
          if (DropMessage* m = message(c, *cmd.msg)) c.send("+OK " + item(*cmd.msg, *m) + "\r\n");
          return;
        }
        std::string out = "+OK\r\n";
        for (std::size_t i = 0; i < msgs.size(); ++i) {
          if (!msgs[i].deleted) out += item(i + 1, msgs[i]) + "\r\n";
        }
        out += ".\r\n";
        c.send(std::move(out));
        return;
      }
      case Command::kRetr:
      case Command::kTop: {
        DropMessage* m = message(c, *cmd.msg);
        if (m == nullptr) return;
        std::optional<std::uint32_t> lines;
        if (cmd.command == Command::kTop) lines = cmd.lines;
        auto stream = open_message_stream(drop.path(*m), lines);
        if (!stream.ok()) {
          c.send("-ERR Message was removed by another session.\r\n");
          return;
        }
        if (cmd.command == Command::kRetr) m->retrieved = true;
        c.send(cmd.command == Command::kRetr ? "+OK " + std::to_string(m->size) + " octets\r\n"
                                             : std::string("+OK\r\n"));
        c.send(std::move(stream).value());
        return;
      }
      case Command::kDele: {
        DropMessage* m = message(c, *cmd.msg);
        if (m == nullptr) return;
        m->deleted = true;
        c.send("+OK Marked to be deleted.\r\n");
        return;
      }
      case Command::kNoop:
        c.send("+OK\r\n");
        return;
      case Command::kRset:
        for (DropMessage& m : msgs) m.deleted = false;
        c.send("+OK\r\n");
        return;
      default:
        c.send("-ERR Unknown command.\r\n");
        bad_command(c);
        return;
    }
  }

  void quit(net::Connection& c) {
    auto* t = std::get_if<Transaction>(&state_);
    if (t == nullptr) {
      c.send("+OK Logging out.\r\n");
      c.close();
      return;
    }
    quit_ = true;
    busy(c);
    std::shared_ptr<Maildrop> drop = t->drop;
    auto result = std::make_shared<maildir::Result<std::size_t>>(std::size_t{0});
    bool mark_seen = t->mark_seen;
    c.run_blocking(
        [drop, result, mark_seen] {
          *result = drop->commit(mark_seen);
          (void)drop->release_lock();
        },
        [this, &c, result] {
          if (result->ok()) {
            c.send("+OK Logging out, messages deleted.\r\n");
          } else {
            auto* tr = std::get_if<Transaction>(&state_);
            logging::error("pop3(" + (tr ? tr->user : std::string()) +
                           "): QUIT: " + result->status().to_string());
            c.send("-ERR [SYS/TEMP] Some deleted messages were not removed.\r\n");
          }
          c.close();
        });
  }

  std::shared_ptr<const config::Config> config_;
  SessionOptions options_;
  net::LineFramer framer_;
  State state_;
  unsigned bad_ = 0;
  unsigned auth_failures_ = 0;
  bool busy_ = false;
  bool quit_ = false;
};

}  // namespace

std::unique_ptr<net::Handler> make_session(std::shared_ptr<const config::Config> config,
                                           SessionOptions options) {
  return std::make_unique<Session>(std::move(config), options);
}

}  // namespace tegami::pop3
