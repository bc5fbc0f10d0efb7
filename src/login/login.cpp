#include "login/login.h"

#include <utility>

#include "auth/authenticator.h"
#include "auth/username.h"
#include "log/log.h"
#include "metrics/counters.h"
#include "net/connection.h"

namespace tegami::login {

namespace {

metrics::Protocol metrics_protocol(config::Protocol p) {
  switch (p) {
    case config::Protocol::kSmtp:
      return metrics::Protocol::kSmtp;
    case config::Protocol::kSubmission:
      return metrics::Protocol::kSubmission;
    case config::Protocol::kPop3:
      return metrics::Protocol::kPop3;
    case config::Protocol::kImap:
      return metrics::Protocol::kImap;
  }
  return metrics::Protocol::kImap;
}

logging::AuthContext log_context(const LoginRequest& r, std::string_view service) {
  logging::AuthContext ctx;
  ctx.service = service;
  ctx.user = r.username;
  ctx.method = r.method;
  ctx.remote_ip = r.remote_ip;
  ctx.local_ip = r.local_ip;
  ctx.tls = r.tls;
  ctx.session = r.session;
  return ctx;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view login_outcome_name(LoginOutcome outcome) {
  switch (outcome) {
    case LoginOutcome::kOk:
      return "ok";
    case LoginOutcome::kFailed:
      return "failed";
    case LoginOutcome::kPlaintextRefused:
      return "plaintext_refused";
    case LoginOutcome::kDisabled:
      return "disabled";
    case LoginOutcome::kProtocolRefused:
      return "protocol_refused";
    case LoginOutcome::kTemporary:
      return "temporary";
  }
  return "failed";
}

LoginService::LoginService(tegami_auth::FailureDelayPolicy policy) : failure_delay_(policy) {}

void LoginService::configure(const config::Config& config) {
  tegami_auth::FailureDelayPolicy p;
  p.first_delay = config.limits.auth_failure_delay;
  p.max_delay = config.limits.auth_failure_delay_max;
  failure_delay_.set_policy(p);
  pop_before_smtp_.set_window(config.auth.pop_before_smtp_window);
}

LoginResult LoginService::login_sync(const config::Config& config, const LoginRequest& request,
                                     Clock::time_point now) {
  std::string service(config::to_string(request.protocol));
  logging::AuthContext ctx = log_context(request, service);
  metrics::Counters& counters = metrics::process_counters();
  LoginResult result;

  if (!request.tls && !request.allow_plaintext_auth) {
    result.outcome = LoginOutcome::kPlaintextRefused;
    result.reason = "plaintext authentication disallowed before TLS";
    return result;
  }

  const config::Domain* domain = nullptr;
  const config::Account* account = nullptr;
  tegami_auth::AccountLookup lookup = [&](std::string_view name)
      -> maildir::Result<std::optional<tegami_auth::AccountCredentials>> {
    account = config.find_account(name, &domain);
    if (account == nullptr || domain == nullptr) {
      return std::optional<tegami_auth::AccountCredentials>();
    }
    tegami_auth::AccountCredentials cred;
    cred.password_hash = account->password_hash;
    cred.enabled = account->enabled;
    return std::optional<tegami_auth::AccountCredentials>(cred);
  };
  tegami_auth::AuthResult auth =
      tegami_auth::authenticate(request.username, request.password, lookup);
  result.reason = auth.reason;
  switch (auth.outcome) {
    case tegami_auth::AuthOutcome::kTemporary:
      result.outcome = LoginOutcome::kTemporary;
      logging::warning(service + "-login: temporary lookup failure: " + auth.reason);
      return result;
    case tegami_auth::AuthOutcome::kFailed:
      result.outcome = LoginOutcome::kFailed;
      result.delay = failure_delay_.record_failure(request.remote_ip, now);
      counters.login(metrics_protocol(request.protocol), false);
      logging::auth_failed(ctx, request.attempt, 0);
      return result;
    case tegami_auth::AuthOutcome::kDisabled:
      result.outcome = LoginOutcome::kDisabled;
      counters.login(metrics_protocol(request.protocol), false);
      logging::notice(service + "-login: account disabled: user=<" +
                      logging::sanitize(request.username) + ">, rip=" + request.remote_ip);
      return result;
    case tegami_auth::AuthOutcome::kOk:
      break;
  }
  if (account == nullptr || domain == nullptr) {  // cannot happen after kOk; stay safe
    result.outcome = LoginOutcome::kTemporary;
    result.reason = "account vanished";
    return result;
  }
  const config::Plan& plan = config.plan_of(*domain);
  if (!plan.allows(request.protocol)) {
    result.outcome = LoginOutcome::kProtocolRefused;
    result.reason = "plan " + plan.name + " does not allow " + service;
    counters.login(metrics_protocol(request.protocol), false);
    logging::notice(service + "-login: protocol not in plan " + plan.name + ": user=<" +
                    logging::sanitize(request.username) + ">, rip=" + request.remote_ip);
    return result;
  }
  result.outcome = LoginOutcome::kOk;
  Identity& id = result.identity;
  id.domain = lower(domain->name);
  id.account = lower(account->local_part);
  id.address = id.account + "@" + id.domain;
  id.maildir_path = config.maildir_path(*domain, *account);
  id.quota_bytes = account->quota_mb * config::kBytesPerMb;
  id.quota_policy = plan.quota_policy;
  id.uidl_format = domain->uidl_format;
  failure_delay_.record_success(request.remote_ip);
  if (config.auth.pop_before_smtp && (request.protocol == config::Protocol::kPop3 ||
                                      request.protocol == config::Protocol::kImap)) {
    pop_before_smtp_.record_login(request.remote_ip, now);
  }
  counters.login(metrics_protocol(request.protocol), true);
  logging::login_ok(ctx);
  return result;
}

void LoginService::login(net::Connection& c, std::shared_ptr<const config::Config> config,
                         LoginRequest request, std::function<void(LoginResult)> done) {
  Clock::time_point start = Clock::now();
  auto shared = std::make_shared<LoginResult>();
  auto req = std::make_shared<LoginRequest>(std::move(request));
  net::Connection* conn = &c;
  c.run_blocking(
      [this, config, req, shared, start] { *shared = login_sync(*config, *req, start); },
      [conn, shared, start, done = std::move(done)]() mutable {
        if (shared->outcome != LoginOutcome::kFailed) {
          done(std::move(*shared));
          return;
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        std::chrono::milliseconds wait = shared->delay - elapsed;
        if (wait.count() < 0) wait = std::chrono::milliseconds(0);
        conn->after(wait, [shared, done = std::move(done)]() mutable { done(std::move(*shared)); });
      });
}

LoginService& process_login_service() {
  static LoginService* service = new LoginService();
  return *service;
}

}  // namespace tegami::login
