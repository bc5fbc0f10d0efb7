// fail2ban's stock dovecot filter (Debian package fail2ban) bans on our auth-failure lines and
// not on successful logins. Runs the real fail2ban-regex on lines this logger wrote.
#include <doctest/doctest.h>

#include <stdio.h>
#include <unistd.h>

#include <set>
#include <string>

#include "log/log.h"

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("fail2ban_dovecot_filter_matches_auth_failures") {
  const char* filter = "/etc/fail2ban/filter.d/dovecot.conf";
  REQUIRE_MESSAGE(access("/usr/bin/fail2ban-regex", X_OK) == 0,
                  "install Debian's fail2ban (tools/install-deps.sh, PACKAGES)");
  REQUIRE(access(filter, R_OK) == 0);

  char tmpl[] = "/tmp/tegami-f2b-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  logging::Options o;
  o.fd = fd;
  o.timestamps = true;  // a plain file, as fail2ban reads one; under journald the journal dates
  logging::configure(o);

  logging::AuthContext ctx;
  ctx.method = "PLAIN";
  ctx.local_ip = "192.0.2.1";
  ctx.session = 1;
  // Three failures from two attackers over IMAP, POP3 and SMTP-submission-shaped lines.
  ctx.service = "imap";
  ctx.user = "alice@example.com";
  ctx.remote_ip = "203.0.113.5";
  ctx.tls = true;
  logging::auth_failed(ctx, 1, 2);
  ctx.service = "pop3";
  ctx.user = "bob@example.com";
  ctx.tls = false;
  logging::auth_failed(ctx, 3, 9);
  ctx.service = "imap";
  ctx.remote_ip = "2001:db8::66";
  ctx.user = "x>, rip=198.51.100.99";  // a forged field must not move the ban
  logging::auth_failed(ctx, 1, 0);
  // Successes and logouts are not matched.
  ctx.remote_ip = "198.51.100.20";
  ctx.user = "carol@example.com";
  logging::login_ok(ctx);
  logging::logout("imap", "carol@example.com", "Logged out", 10, 20);
  logging::configure(logging::Options{});
  close(fd);

  std::string path = tmpl;
  std::string summary = run("timeout 120 fail2ban-regex " + path + " " + filter + " 2>&1");
  CHECK_MESSAGE(summary.find("Lines: 5 lines, 0 ignored, 3 matched, 2 missed") != std::string::npos,
                summary);
  std::string ips = run("timeout 120 fail2ban-regex -o ip " + path + " " + filter + " 2>/dev/null");
  std::set<std::string> got;
  size_t at = 0;
  while (at < ips.size()) {
    size_t nl = ips.find('\n', at);
    if (nl == std::string::npos) nl = ips.size();
    if (nl > at) got.insert(ips.substr(at, nl - at));
    at = nl + 1;
  }
  CHECK(got == std::set<std::string>{"203.0.113.5", "2001:db8::66"});
  unlink(tmpl);
}
