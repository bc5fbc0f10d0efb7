#include "imap/session.h"

#include <cctype>
#include <utility>

#include "imap/command_table.h"
#include "imap/mailbox_names.h"
#include "imap/notify.h"
#include "imap/selected_box.h"
#include "imap/user_storage.h"
#include "log/log.h"
#include "maildir/maildir.h"
#include "maildir/status.h"
#include "maildir/watcher.h"

namespace imap {

namespace {

constexpr unsigned kMaxBadBeforeAuth = 3;
constexpr unsigned kMaxBadAfterAuth = 20;
constexpr size_t kMaxSaslLine = 16 * 1024;

// Before login a client may send only small literals (RFC 7888 section 4: limit
// non-synchronising literals before authentication).
ParserLimits pre_auth_limits() {
  ParserLimits l;
  l.max_line = 8 * 1024;
  l.max_command = 16 * 1024;
  l.max_literal = 4096;
  l.max_literal_nonsync = 4096;
  return l;
}

ParserLimits post_auth_limits() {
  return ParserLimits{};
}

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)), parser_(pre_auth_limits()) {}

Session::~Session() = default;

bool Session::authenticated() const {
  return std::holds_alternative<Authenticated>(state_) || std::holds_alternative<Selected>(state_);
}

net::KeyedLimiter& domain_sessions() {
  static net::KeyedLimiter limiter;
  return limiter;
}

net::KeyedLimiter& user_sessions() {
  static net::KeyedLimiter limiter;
  return limiter;
}

const tegami::login::Identity& Session::identity() const {
  if (const auto* a = std::get_if<Authenticated>(&state_)) return a->identity;
  return std::get<Selected>(state_).identity;
}

std::shared_ptr<SelectedBox> Session::selected() const {
  if (const auto* s = std::get_if<Selected>(&state_)) return s->box;
  return nullptr;
}

bool Session::plaintext_refused() const {
  return !conn_->tls_active() && !options_.allow_plaintext_auth;
}

std::string Session::capabilities() const {
  std::string caps = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE";
  if (authenticated()) {
    caps += " NAMESPACE CHILDREN SPECIAL-USE UIDPLUS MOVE UNSELECT IDLE QUOTA QUOTA=RES-STORAGE";
    // RFC 7889: the largest APPEND the server takes (the same limit as SMTP SIZE).
    std::uint64_t max = options_.config->limits.max_message_size;
    if (max != 0) caps += " APPENDLIMIT=" + std::to_string(max);
    caps += " SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESEARCH ESORT";
    caps += " SEARCHRES WITHIN UTF8=ACCEPT NOTIFY";
    caps += " LIST-EXTENDED LIST-STATUS STATUS=SIZE CREATE-SPECIAL-USE BINARY";
    caps += " CONDSTORE QRESYNC";
    if (!conn_->compression_active()) caps += " COMPRESS=DEFLATE";
    return caps;
  }
  if (!conn_->tls_active() && conn_->listener().tls == net::TlsMode::kStartTls) {
    caps += " STARTTLS";
  }
  if (plaintext_refused()) {
    caps += " LOGINDISABLED";
  } else {
    caps += " AUTH=PLAIN AUTH=LOGIN";
  }
  return caps;
}

void Session::untagged(std::string_view text) {
  std::string line = "* ";
  line.append(text);
  line += "\r\n";
  conn_->send(std::move(line));
}

void Session::tagged(std::string_view tag, std::string_view text) {
  std::string line(tag);
  line += ' ';
  line.append(text);
  line += "\r\n";
  conn_->send(std::move(line));
}

void Session::bad(std::string_view tag, std::string_view text) {
  std::string line(tag.empty() ? std::string_view("*") : tag);
  line += " BAD ";
  line.append(text);
  line += "\r\n";
  conn_->send(std::move(line));
  ++bad_commands_;
  unsigned limit = authenticated() ? kMaxBadAfterAuth : kMaxBadBeforeAuth;
  if (bad_commands_ >= limit) bye("Too many invalid commands.");
}

void Session::bye(std::string_view text) {
  untagged("BYE " + std::string(text));
  state_ = Logout{};
  conn_->close();
}

void Session::begin_async() {
  busy_ = true;
  conn_->pause_input();
}

void Session::finish_async() {
  busy_ = false;
  if (!conn_->closing()) conn_->resume_input();
  if (notify_) {
    // NOTIFY: follow a SELECT/CLOSE, and send what changed while the command ran.
    notify_follow_selected();
    if (notify_->pending) notify_wake();
  }
}

void Session::blocking(std::function<void()> work, std::function<void()> done) {
  begin_async();
  conn_->run_blocking(std::move(work), [this, done = std::move(done)] {
    done();
    finish_async();
  });
}

void Session::logged_in(const tegami::login::Identity& identity) {
  state_ = Authenticated{identity};
  parser_.set_limits(post_auth_limits());
  bad_commands_ = 0;
  conn_->set_authenticated();
  if (options_.on_login) options_.on_login(*conn_, identity.address);
}

void Session::start_tls() {
  parser_.reset();
  tls_starting_ = true;  // process() stops: nothing after STARTTLS is read as plaintext
  (void)conn_->start_tls();
}

void Session::start_compression() {
  compress_starting_ = true;  // process() stops: the connection inflates what follows
  (void)conn_->start_compression();
}

void Session::on_open(net::Connection& c) {
  conn_ = &c;
  untagged("OK [CAPABILITY " + capabilities() + "] tegami ready.");
}

void Session::on_limit(net::Connection& c, net::LimitKind kind) {
  conn_ = &c;
  switch (kind) {
    case net::LimitKind::kTotalConnections:
    case net::LimitKind::kConnectionsPerIp:
      untagged("BYE [UNAVAILABLE] Too many connections, try again later.");
      break;
    case net::LimitKind::kInputOverflow:
      untagged("BYE Input buffer full, aborting.");
      break;
  }
  state_ = Logout{};
}

void Session::on_timeout(net::Connection& c, net::TimeoutKind kind) {
  conn_ = &c;
  untagged(kind == net::TimeoutKind::kPreAuth ? "BYE Disconnected for inactivity during login."
                                              : "BYE Disconnected for inactivity.");
  state_ = Logout{};
}

void Session::on_tls_ready(net::Connection& c) {
  conn_ = &c;
}

void Session::on_writable(net::Connection& c) {
  conn_ = &c;
}

void Session::on_shutdown(net::Connection& c) {
  conn_ = &c;
  untagged("BYE Server shutting down.");
  state_ = Logout{};
}

void Session::on_close(net::Connection& c, net::CloseReason reason) {
  (void)c;
  (void)reason;
}

size_t Session::on_input(net::Connection& c, std::string_view data) {
  conn_ = &c;
  return process(data);
}

size_t Session::process(std::string_view data) {
  size_t used = 0;
  tls_starting_ = false;
  compress_starting_ = false;
  while (used < data.size() && !busy_ && !tls_starting_ && !compress_starting_ &&
         !conn_->closing() && !std::holds_alternative<Logout>(state_)) {
    if (conn_->above_high_water()) break;
    if (idle_ || sasl_) {
      size_t nl = data.find('\n', used);
      if (nl == std::string_view::npos) {
        if (data.size() - used > kMaxSaslLine) {
          std::string tag = sasl_->tag;
          sasl_.reset();
          bye("Authentication response too long.");
          (void)tag;
          return data.size();
        }
        break;
      }
      std::string_view line = data.substr(used, nl - used);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      used = nl + 1;
      if (idle_) {
        idle_line(line);
      } else {
        sasl_line(line);
      }
      continue;
    }
    CommandParser::Result r = parser_.feed(data.substr(used));
    used += r.consumed;
    switch (r.kind) {
      case CommandParser::Kind::kNeedMore:
        break;
      case CommandParser::Kind::kNeedLiteral:
        literal_announced(r.literal);
        continue;
      case CommandParser::Kind::kError:
        handle_parse_error(r);
        continue;
      case CommandParser::Kind::kCommand:
        dispatch(r.command);
        continue;
    }
    break;
  }
  // After STARTTLS the connection discards the rest of the plaintext whatever we return.
  return tls_starting_ ? data.size() : used;
}

namespace {

// The tag and command name of a command's first line ("a1 APPEND INBOX {300}" → a1, APPEND).
void tag_and_name(std::string_view text, std::string& tag, std::string& name) {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return;
  tag = std::string(text.substr(0, sp));
  std::string_view rest = text.substr(sp + 1);
  size_t end = rest.find_first_of(" \r\n");
  for (char ch : rest.substr(0, end)) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
}

// The target of "tag APPEND <mailbox> ...", decoded to its API name, when it is written as an
// atom or a quoted string; nullopt for a literal name (its bytes are already in the text) or
// anything the APPEND handler itself will refuse.
std::optional<std::string> append_mailbox(std::string_view text, WireNames names) {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  sp = text.find(' ', sp + 1);
  if (sp == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(sp + 1);
  Arg arg;
  if (!rest.empty() && rest[0] == '"') {
    arg.kind = Arg::Kind::kQuoted;
    size_t k = 1;
    for (; k < rest.size() && rest[k] != '"'; ++k) {
      if (rest[k] == '\\') ++k;
      if (k < rest.size()) arg.text += rest[k];
    }
    if (k >= rest.size()) return std::nullopt;
  } else {
    size_t end = 0;
    while (end < rest.size() && is_atom_char(rest[end])) ++end;
    if (end == 0 || end >= rest.size() || rest[end] != ' ') return std::nullopt;
    arg.kind = Arg::Kind::kAtom;
    arg.text = std::string(rest.substr(0, end));
  }
  auto name = mailbox_from_wire(arg, names);
  if (!name.ok()) return std::nullopt;
  return *name;
}

}  // namespace

void Session::literal_announced(std::uint64_t size) {
  std::string tag;
  std::string name;
  if (authenticated()) tag_and_name(parser_.pending_text(), tag, name);
  if (name != "APPEND") {
    conn_->send("+ OK\r\n");
    return;
  }
  // RFC 7889 / RFC 3501 7.5: an APPEND that cannot succeed is refused before the client sends
  // the message — too large (TOOBIG), or the mailbox already over its quota (OVERQUOTA, judged
  // with the literal's size as the storage library will with the stored size).
  std::uint64_t max = options_.config->limits.max_message_size;
  if (max != 0 && size > max) {
    parser_.reject_literal();
    tagged(tag, "NO [TOOBIG] Message too large (the limit is " + std::to_string(max) + " bytes).");
    return;
  }
  const tegami::login::Identity& id = identity();
  std::optional<std::string> mailbox = append_mailbox(parser_.pending_text(), wire_names());
  if (id.quota_bytes == 0 && !mailbox) {
    conn_->send("+ OK\r\n");
    return;
  }
  // On a worker thread: does the target exist (else NO [TRYCREATE], RFC 3501 6.3.11, so a
  // client saving to a missing Sent folder creates it without uploading twice), and may it
  // take the message.
  auto st = std::make_shared<maildir::Status>();
  auto missing = std::make_shared<bool>(false);
  maildir::Quota quota(id.maildir_path, quota_options(id, *options_.config));
  maildir::QuotaPolicy policy = quota_policy(id);
  bool limited = id.quota_bytes != 0;
  blocking(
      [st, missing, quota, policy, size, limited, mailbox, root = id.maildir_path,
       mo = maildir_options(*options_.config)] {
        if (mailbox) {
          auto md = maildir::Maildir::open(root, mo);
          if (md.ok()) {
            auto dir = md->folder_path(*mailbox);
            *missing = !dir.ok() && dir.status().code() == maildir::Code::kNotFound;
          }
        }
        if (limited && !*missing) *st = quota.check(size, policy);
      },
      [this, st, missing, tag] {
        if (*missing) {
          parser_.reject_literal();
          tagged(tag, "NO [TRYCREATE] Mailbox doesn't exist.");
          return;
        }
        if (st->ok() || st->code() != maildir::Code::kOverQuota) {
          // Other errors are left to the APPEND itself, which reports them.
          conn_->send("+ OK\r\n");
          return;
        }
        parser_.reject_literal();
        tagged(tag, "NO [OVERQUOTA] Quota exceeded (mailbox is full).");
      });
}

void Session::handle_parse_error(const CommandParser::Result& r) {
  if (r.too_large && !authenticated()) {
    bye("Literal too large before login.");
    return;
  }
  if (r.fatal) {
    bye("Too long argument.");
    return;
  }
  bad(r.tag, "Error in IMAP command: " + r.error);
}

void Session::dispatch(Command& cmd) {
  const CommandSpec* spec = find_command(cmd.name);
  if (spec == nullptr) {
    bad(cmd.tag, "Error in IMAP command " + cmd.name + ": Unknown command.");
    return;
  }
  unsigned mask = std::holds_alternative<NotAuthenticated>(state_) ? kNotAuth
                  : std::holds_alternative<Authenticated>(state_)  ? kAuth
                                                                   : kSelectedState;
  if ((spec->states & mask) == 0) {
    if (mask == kNotAuth) {
      bad(cmd.tag, "Error in IMAP command " + cmd.name + ": Not logged in.");
    } else if (spec->states == kNotAuth) {
      bad(cmd.tag, "Error in IMAP command " + cmd.name + ": Already logged in.");
    } else {
      bad(cmd.tag, "Error in IMAP command " + cmd.name + ": No mailbox selected.");
    }
    return;
  }
  if (cmd.args.size() < spec->min_args || cmd.args.size() > spec->max_args) {
    bad(cmd.tag, "Error in IMAP command " + cmd.name + ": Invalid arguments.");
    return;
  }
  spec->handler(*this, cmd);
}

void Session::start_sasl(std::string tag, tegami_auth::SaslMechanism mechanism,
                         std::optional<std::string> initial_response) {
  sasl_ =
      std::make_unique<SaslState>(SaslState{std::move(tag), tegami_auth::SaslExchange(mechanism)});
  std::optional<std::string_view> ir;
  if (initial_response) ir = *initial_response;
  tegami_auth::SaslStep step = sasl_->exchange.start(ir);
  if (auto* ch = std::get_if<tegami_auth::SaslChallenge>(&step)) {
    conn_->send("+ " + ch->base64 + "\r\n");
    return;
  }
  // Finished at once (PLAIN with an initial response): handle like a response.
  std::string t = sasl_->tag;
  std::string method(tegami_auth::sasl_mechanism_name(mechanism));
  sasl_.reset();
  if (auto* creds = std::get_if<tegami_auth::SaslCredentials>(&step)) {
    run_login(t, creds->username, creds->password, method);
    return;
  }
  auto& f = std::get<tegami_auth::SaslFailure>(step);
  if (f.error == tegami_auth::SaslError::kBadUsername ||
      f.error == tegami_auth::SaslError::kAuthzidRefused) {
    run_login(t, "", "", method);  // answered exactly like a wrong password
  } else {
    bad(t, "Invalid base64 data in SASL response.");
  }
}

void Session::sasl_line(std::string_view line) {
  tegami_auth::SaslStep step = sasl_->exchange.respond(line);
  if (auto* ch = std::get_if<tegami_auth::SaslChallenge>(&step)) {
    conn_->send("+ " + ch->base64 + "\r\n");
    return;
  }
  std::string tag = sasl_->tag;
  std::string method(tegami_auth::sasl_mechanism_name(sasl_->exchange.mechanism()));
  sasl_.reset();
  if (auto* creds = std::get_if<tegami_auth::SaslCredentials>(&step)) {
    run_login(tag, creds->username, creds->password, method);
    return;
  }
  auto& f = std::get<tegami_auth::SaslFailure>(step);
  switch (f.error) {
    case tegami_auth::SaslError::kCancelled:
      tagged(tag, "BAD Authentication aborted by client.");
      break;
    case tegami_auth::SaslError::kBadUsername:
    case tegami_auth::SaslError::kAuthzidRefused:
      run_login(tag, "", "", method);
      break;
    default:
      bad(tag, "Invalid base64 data in SASL response.");
      break;
  }
}

namespace {
// IDLE: the selected folder's maildir::Watcher wakes the session at once (inotify fd polled by
// the loop); a timer ticks every 2 s as well: in polling mode (NFS, no inotify) it asks the
// watcher (three stats), and every 30 s it syncs regardless, in case an event was missed.
constexpr std::chrono::milliseconds kIdleTick{2000};
constexpr unsigned kIdleFallbackTicks = 15;   // 30 s
constexpr unsigned kIdleKeepaliveTicks = 60;  // 2 minutes
}  // namespace

void Session::start_idle(std::string tag) {
  idle_ = std::make_unique<IdleState>();
  idle_->tag = std::move(tag);
  conn_->send("+ idling\r\n");
  if (std::shared_ptr<SelectedBox> box = selected()) {
    // A few syscalls (inotify_init, three inotify_add_watch, statfs): fine on the loop.
    auto w = maildir::Watcher::open(box->mailbox.dir());
    if (w.ok()) {
      idle_->watcher = std::make_unique<maildir::Watcher>(std::move(*w));
      if (idle_->watcher->fd() >= 0) {
        idle_->watch = conn_->watch_fd(idle_->watcher->fd(), [this] { idle_wake(false); });
      }
    }
    // Changes that came in since the last command are reported now.
    idle_sync();
  }
  idle_->timer = conn_->after(kIdleTick, [this] { idle_tick(); });
}

void Session::idle_tick() {
  if (!idle_) return;
  ++idle_->ticks;
  if (idle_->ticks % kIdleKeepaliveTicks == 0) untagged("OK Still here");
  bool share = false;
  if (idle_->share_tries > 0 && !idle_->syncing) {
    // No sync runs, so the box is this thread's to look at.
    std::shared_ptr<SelectedBox> box = selected();
    share = box && !holds_shared_view(*box);
    if (share) --idle_->share_tries;
  }
  idle_wake(idle_->ticks % kIdleFallbackTicks == 0 || !idle_->watcher || share);
  if (idle_) idle_->timer = conn_->after(kIdleTick, [this] { idle_tick(); });
}

void Session::idle_wake(bool force) {
  if (!idle_ || !selected()) return;
  // Always ask the watcher: it drains the inotify fd (the poll is level-triggered).
  bool dirty = idle_->watcher ? idle_->watcher->dirty() : false;
  if (dirty) idle_->share_tries = 3;  // the sync may leave a private view: share it later
  if (!dirty && !force) return;
  if (idle_->syncing) {
    idle_->again = true;  // one more sync when the running one ends
    return;
  }
  idle_sync();
}

void Session::idle_sync() {
  std::shared_ptr<SelectedBox> box = selected();
  if (!idle_ || !box) return;
  // clear() right before the sync, so a change made while it runs marks the watcher again.
  if (idle_->watcher) idle_->watcher->clear();
  idle_->syncing = true;
  idle_->again = false;
  auto text = std::make_shared<std::string>();
  blocking(
      [box, text] {
        auto updates = sync_updates(*box, true);
        if (updates.ok()) *text = std::move(*updates);
        release_idle_memory(*box);  // an idling session holds only what it needs
      },
      [this, text] {
        if (!text->empty()) conn_->send(*text);
        if (!idle_) return;
        idle_->syncing = false;
        if (idle_->again) idle_wake(true);
      });
}

void Session::idle_line(std::string_view line) {
  std::string tag = idle_->tag;
  conn_->cancel(idle_->timer);
  if (idle_->watch != 0) conn_->unwatch(idle_->watch);  // before the watcher closes its fd
  idle_.reset();
  if (line.size() == 4 && (line[0] | 0x20) == 'd' && (line[1] | 0x20) == 'o' &&
      (line[2] | 0x20) == 'n' && (line[3] | 0x20) == 'e') {
    tagged(tag, "OK Idle completed.");
  } else {
    bad(tag, "Expected DONE.");
  }
}

void Session::run_login(std::string tag, std::string username, std::string password,
                        std::string method) {
  tegami::login::LoginRequest req;
  req.protocol = tegami::config::Protocol::kImap;
  req.username = std::move(username);
  req.password = std::move(password);
  req.method = std::move(method);
  req.remote_ip = conn_->peer().ip();
  req.local_ip = conn_->local().ip();
  req.tls = conn_->tls_active();
  req.allow_plaintext_auth = options_.allow_plaintext_auth;
  req.session = conn_->id();
  req.attempt = failed_logins_ + 1;
  begin_async();
  options_.login->login(
      *conn_, options_.config, std::move(req), [this, tag](tegami::login::LoginResult result) {
        using tegami::login::LoginOutcome;
        switch (result.outcome) {
          case LoginOutcome::kOk: {
            // The domain's contract limits its concurrent IMAP sessions (RFC 9051 [LIMIT]).
            const tegami::config::Domain* domain =
                options_.config->find_domain(result.identity.domain);
            std::uint32_t max = domain != nullptr ? domain->max_imap_connections : 0;
            auto slot = domain_sessions().try_acquire(result.identity.domain, max);
            if (!slot) {
              logging::warning("imap: " + result.identity.address + ": domain " +
                               result.identity.domain + " has its " + std::to_string(max) +
                               " IMAP connections in use");
              tagged(tag, "NO [LIMIT] Too many IMAP connections for this domain.");
              break;
            }
            // And one user's sessions (a misbehaving client opening one per folder).
            std::uint32_t per_user = options_.config->imap.max_sessions_per_user;
            auto user_slot = user_sessions().try_acquire(result.identity.address, per_user);
            if (!user_slot) {
              logging::warning("imap: " + result.identity.address + " has its " +
                               std::to_string(per_user) + " IMAP sessions in use");
              tagged(tag, "NO [LIMIT] Too many IMAP connections for this user.");
              break;
            }
            domain_slot_ = std::move(*slot);
            user_slot_ = std::move(*user_slot);
            // Make the Maildir and the SPECIAL-USE folders on first login, then answer.
            auto st = std::make_shared<maildir::Status>();
            std::string root = result.identity.maildir_path;
            tegami::login::Identity id = result.identity;
            conn_->run_blocking(
                [st, root, config = options_.config] { *st = prepare_user_maildir(root, *config); },
                [this, st, id, tag] {
                  if (!st->ok()) {
                    logging::error("imap: " + id.address + ": " + st->to_string());
                    domain_slot_.release();
                    user_slot_.release();
                    tagged(tag, "NO [UNAVAILABLE] Mailbox not available.");
                  } else {
                    logged_in(id);
                    tagged(tag, "OK [CAPABILITY " + capabilities() + "] Logged in");
                  }
                  finish_async();
                });
            return;
          }
          case LoginOutcome::kFailed:
            ++failed_logins_;
            tagged(tag, "NO [AUTHENTICATIONFAILED] Authentication failed.");
            break;
          case LoginOutcome::kPlaintextRefused:
            tagged(tag,
                   "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure "
                   "(SSL/TLS) connections.");
            break;
          case LoginOutcome::kDisabled:
          case LoginOutcome::kProtocolRefused:
            ++failed_logins_;
            tagged(tag, "NO [CONTACTADMIN] Login not allowed for this account.");
            break;
          case LoginOutcome::kTemporary:
            tagged(tag, "NO [UNAVAILABLE] Temporary authentication failure.");
            break;
        }
        finish_async();
      });
}

}  // namespace imap
