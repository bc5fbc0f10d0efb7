// One IMAP connection: the net::Handler that frames input with the CommandParser, checks each
// command against the command table (command_table.h) and runs its handler.
//
// State is a std::variant: NotAuthenticated → Authenticated → Selected, and Logout (RFC 3501
// section 3); each state holds only its own data. Commands that touch the disk run their work
// with Connection::run_blocking and pause input until they answer (`busy`), so one command is
// answered at a time and in order.
//
// Errors: 3 bad commands before login or 20 after it end the connection with "* BYE". Storage
// errors become responses in response_code.h only.
//
// Threading: everything runs on the connection's loop thread (net::Handler's contract).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "auth/sasl.h"
#include "config/config.h"
#include "imap/mailbox_names.h"
#include "imap/parser.h"
#include "login/login.h"
#include "maildir/watcher.h"
#include "net/connection.h"
#include "net/limits.h"

namespace imap {

struct NotAuthenticated {};
struct Authenticated {
  tegami::login::Identity identity;
};
struct SelectedBox;
struct NotifyState;
struct Selected {
  tegami::login::Identity identity;
  std::shared_ptr<SelectedBox> box;
};
struct Logout {};
using SessionState = std::variant<NotAuthenticated, Authenticated, Selected, Logout>;

// What the daemon gives each session.
struct SessionOptions {
  std::shared_ptr<const tegami::config::Config> config;  // the snapshot taken at accept
  bool allow_plaintext_auth = false;                     // the listener's setting
  tegami::login::LoginService* login = nullptr;          // REQUIRES: non-null, outlives the session
  // Called after a successful login (e.g. control::process_sessions().set_user).
  std::function<void(net::Connection&, const std::string& user)> on_login;
};

// Logged-in IMAP sessions per domain in this process, limited by the domain's contract
// (Domain::max_imap_connections). Thread-safe; shared by every worker loop.
net::KeyedLimiter& domain_sessions();
// Logged-in IMAP sessions per user ("local@domain") in this process, limited by
// imap.max_sessions_per_user. Thread-safe.
net::KeyedLimiter& user_sessions();

// Creates the user's Maildir (and its parent directory) if missing and the SPECIAL-USE folders
// named by config.imap (subscribed) that do not exist yet, with config.server's folder name
// encoding. Blocking: call on a worker thread. Defined in
// cmd_mailbox.cpp.
maildir::Status prepare_user_maildir(const std::string& root, const tegami::config::Config& config);

class Session final : public net::Handler {
 public:
  explicit Session(SessionOptions options);
  ~Session() override;

  // --- net::Handler ----------------------------------------------------------------------
  void on_open(net::Connection& c) override;
  size_t on_input(net::Connection& c, std::string_view data) override;
  void on_limit(net::Connection& c, net::LimitKind kind) override;
  void on_timeout(net::Connection& c, net::TimeoutKind kind) override;
  void on_tls_ready(net::Connection& c) override;
  void on_writable(net::Connection& c) override;
  void on_shutdown(net::Connection& c) override;
  void on_close(net::Connection& c, net::CloseReason reason) override;

  // --- for command handlers (cmd_*.cpp) --------------------------------------------------
  net::Connection& conn() { return *conn_; }
  const SessionOptions& options() const { return options_; }
  SessionState& state() { return state_; }
  bool authenticated() const;
  // The identity in Authenticated / Selected; REQUIRES: authenticated().
  const tegami::login::Identity& identity() const;

  void untagged(std::string_view text);  // "* text\r\n"
  void tagged(std::string_view tag, std::string_view text);
  // A BAD response that counts toward the bad-command limit.
  void bad(std::string_view tag, std::string_view text);
  // The selected mailbox, nullptr unless Selected.
  std::shared_ptr<SelectedBox> selected() const;

  // Extensions the client turned on with ENABLE (RFC 5161), for the rest of the session.
  struct Enabled {
    bool utf8_accept = false;  // RFC 6855 UTF8=ACCEPT
    bool imap4rev2 = false;    // RFC 9051
  };
  Enabled& enabled() { return enabled_; }
  const Enabled& enabled() const { return enabled_; }
  // How mailbox names travel on this session (UTF-8 after ENABLE UTF8=ACCEPT).
  WireNames wire_names() const {
    return enabled_.utf8_accept ? WireNames::kUtf8 : WireNames::kMutf7;
  }
  // CONDSTORE / QRESYNC (RFC 7162) enabled on this connection (condstore.h): by ENABLE or by
  // a CONDSTORE enabling command; QRESYNC implies CONDSTORE.
  struct ModseqMode {
    bool condstore = false;
    bool qresync = false;
  };
  ModseqMode& modseq_mode() { return modseq_mode_; }

  // The CAPABILITY list for the current state and transport.
  std::string capabilities() const;
  // True if LOGIN / AUTHENTICATE must be refused on this transport (LOGINDISABLED).
  bool plaintext_refused() const;

  // Runs `work` on a worker thread with input paused, then `done` on the loop thread (not if
  // the connection closed meanwhile). `work` must not touch the session.
  void blocking(std::function<void()> work, std::function<void()> done);

  // A command continues asynchronously: input stops until finish_async() is called.
  void begin_async();
  void finish_async();

  // The user logged in: switches to Authenticated and raises the parser limits.
  void logged_in(const tegami::login::Identity& identity);
  // Starts a SASL exchange; the next input lines go to it until it ends.
  void start_sasl(std::string tag, tegami_auth::SaslMechanism mechanism,
                  std::optional<std::string> initial_response);
  // STARTTLS after its OK was queued: drops any partly received command.
  void start_tls();
  // COMPRESS after its OK was queued: the rest of the input is compressed (RFC 4978).
  void start_compression();
  // IDLE (RFC 2177): sends "+ idling"; until the client sends DONE, the selected mailbox is
  // synced when its maildir::Watcher says so (inotify, polled in the loop; stat polling every
  // 2 s where inotify is unavailable; a full sync every 30 s as a fallback) and changes are
  // sent at once; "* OK Still here" every 2 min.
  void start_idle(std::string tag);

  // NOTIFY (RFC 5465, notify.h): replaces the session's notification setup; nullptr is
  // NOTIFY NONE. Defined in notify.cpp.
  void set_notify(std::unique_ptr<NotifyState> state);

  // Sends "* BYE text" and closes.
  void bye(std::string_view text);

  // Runs a login with the shared service and answers `tag` (one place maps the outcome).
  void run_login(std::string tag, std::string username, std::string password, std::string method);

 private:
  void dispatch(Command& cmd);
  void handle_parse_error(const CommandParser::Result& r);
  // A synchronising literal {size} was announced: "+ OK", or for an APPEND that cannot
  // succeed a tagged NO [TOOBIG] / NO [OVERQUOTA] instead (the client then sends no literal).
  void literal_announced(std::uint64_t size);
  void sasl_line(std::string_view line);
  void idle_line(std::string_view line);
  void idle_tick();
  void idle_wake(bool force);
  void idle_sync();
  size_t process(std::string_view data);
  // NOTIFY (notify.cpp): a watcher fired or the tick came; the selected folder changed.
  void notify_wake();
  void notify_tick();
  void notify_follow_selected();

  SessionOptions options_;
  net::Connection* conn_ = nullptr;
  SessionState state_ = NotAuthenticated{};
  CommandParser parser_;
  net::KeyedLimiter::Slot domain_slot_;  // held from login to the end of the session
  net::KeyedLimiter::Slot user_slot_;    // likewise
  Enabled enabled_;
  ModseqMode modseq_mode_;
  unsigned bad_commands_ = 0;
  unsigned failed_logins_ = 0;
  bool busy_ = false;
  bool tls_starting_ = false;       // STARTTLS was answered during the current on_input()
  bool compress_starting_ = false;  // COMPRESS was answered during the current on_input()
  struct SaslState {
    std::string tag;
    tegami_auth::SaslExchange exchange;
  };
  std::unique_ptr<SaslState> sasl_;
  struct IdleState {
    std::string tag;
    net::Connection::TimerId timer = 0;
    unsigned ticks = 0;
    std::unique_ptr<maildir::Watcher> watcher;  // the selected folder's; null if none
    net::Connection::WatchId watch = 0;         // its inotify fd in the loop; 0 if polling
    bool syncing = false;                       // a sync runs on a worker thread
    bool again = false;                         // woken meanwhile: sync once more after it
    // Syncs left (one per tick) for a box holding a private view (the folder changed less
    // than a second before the last sync, so its snapshot could not be shared) to take the
    // folder's shared snapshot (maildir/view_registry.h); 3 again after each change.
    unsigned share_tries = 3;
  };
  std::unique_ptr<IdleState> idle_;
  std::unique_ptr<NotifyState> notify_;
};

}  // namespace imap
