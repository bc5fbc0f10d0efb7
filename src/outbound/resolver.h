// DNS for remote delivery: c-ares driven by a libuv loop (its sockets watched with uv_poll,
// its retransmissions with one uv_timer), so lookups never block the loop.
//
// MX lookups return the records; address lookups return IPv4 and IPv6 addresses (A and AAAA)
// of a host with the given port. The servers are the system's (/etc/resolv.conf) unless
// Options::servers names some ("127.0.0.1:5353,[::1]:53"), which the tests use to point the
// resolver at their own DNS.
//
// Threading: create, use and destroy on the loop's thread. Callbacks run on that thread; on
// destruction, pending lookups are answered with kTemporary ("resolver shut down").
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "maildir/status.h"
#include "net/address.h"
#include "outbound/route.h"

struct uv_loop_s;
struct uv_poll_s;
struct uv_timer_s;
struct ares_channeldata;

namespace tegami::outbound {

enum class DnsResult {
  kOk,            // records found
  kNoData,        // the name exists but has no record of that type
  kNoSuchDomain,  // NXDOMAIN: permanent
  kTemporary,     // SERVFAIL, timeout, refused, network error: try later
};

class Resolver {
 public:
  struct Options {
    std::string servers;  // "" = system resolver; else "ip[:port],..." (c-ares CSV form)
    std::chrono::milliseconds timeout{std::chrono::seconds(5)};  // per try
    int tries = 2;
  };
  using MxCallback = std::function<void(DnsResult, std::vector<MxRecord>, const std::string& why)>;
  using AddressCallback =
      std::function<void(DnsResult, std::vector<net::SocketAddress>, const std::string& why)>;

  // Errors: kInvalidArgument for a bad server list, kIo when c-ares cannot start.
  static maildir::Result<std::unique_ptr<Resolver>> create(uv_loop_s* loop, const Options& options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  void lookup_mx(const std::string& domain, MxCallback done);
  // A and AAAA of `host` (a name or a literal address), each with `port`.
  void lookup_addresses(const std::string& host, uint16_t port, AddressCallback done);

 private:
  Resolver(uv_loop_s* loop);
  static void on_socket_state(void* data, int fd, int readable, int writable);
  void arm_timer();
  void process(int read_fd, int write_fd);

  uv_loop_s* loop_;
  ares_channeldata* channel_ = nullptr;
  uv_timer_s* timer_ = nullptr;
  std::map<int, uv_poll_s*> polls_;
};

}  // namespace tegami::outbound
