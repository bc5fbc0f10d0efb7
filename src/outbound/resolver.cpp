// c-ares on libuv. c-ares tells us which sockets to watch (the socket-state callback); each
// becomes a uv_poll handle whose events call ares_process_fd(). One timer, re-armed from
// ares_timeout() after every step, drives retransmissions and timeouts. Handles are heap
// objects freed in their close callbacks (libuv's lifetime rule).
#include "outbound/resolver.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <uv.h>

#include <cstring>
#include <mutex>

namespace tegami::outbound {
namespace {

std::once_flag g_ares_init;

DnsResult classify(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return DnsResult::kOk;
    case ARES_ENODATA:
      return DnsResult::kNoData;
    case ARES_ENOTFOUND:
      return DnsResult::kNoSuchDomain;
    default:
      return DnsResult::kTemporary;
  }
}

void close_and_free(uv_handle_t* h) {
  uv_close(h, [](uv_handle_t* handle) {
    if (handle->type == UV_POLL) {
      delete reinterpret_cast<uv_poll_t*>(handle);
    } else {
      delete reinterpret_cast<uv_timer_t*>(handle);
    }
  });
}

struct MxQuery {
  Resolver::MxCallback done;
};

struct AddressQuery {
  Resolver::AddressCallback done;
  uint16_t port;
};

}  // namespace

Resolver::Resolver(uv_loop_s* loop) : loop_(loop) {}

maildir::Result<std::unique_ptr<Resolver>> Resolver::create(uv_loop_s* loop,
                                                            const Options& options) {
  std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  std::unique_ptr<Resolver> r(new Resolver(loop));
  ares_options opts{};
  opts.sock_state_cb = &Resolver::on_socket_state;
  opts.sock_state_cb_data = r.get();
  opts.timeout = static_cast<int>(options.timeout.count());
  opts.tries = options.tries;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  int rc = ares_init_options(&r->channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    return maildir::Status(maildir::Code::kIo, std::string("c-ares: ") + ares_strerror(rc));
  }
  if (!options.servers.empty()) {
    rc = ares_set_servers_ports_csv(r->channel_, options.servers.c_str());
    if (rc != ARES_SUCCESS) {
      return maildir::Status(maildir::Code::kInvalidArgument,
                             "bad DNS server list '" + options.servers + "': " + ares_strerror(rc));
    }
  }
  r->timer_ = new uv_timer_t;
  uv_timer_init(loop, r->timer_);
  r->timer_->data = r.get();
  return r;
}

Resolver::~Resolver() {
  // Answers every pending query with ARES_EDESTRUCTION (→ kTemporary) and closes its sockets
  // (the socket-state callback removes the polls).
  if (channel_ != nullptr) ares_destroy(channel_);
  for (auto& [fd, poll] : polls_) close_and_free(reinterpret_cast<uv_handle_t*>(poll));
  polls_.clear();
  if (timer_ != nullptr) close_and_free(reinterpret_cast<uv_handle_t*>(timer_));
}

void Resolver::on_socket_state(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<Resolver*>(data);
  auto it = self->polls_.find(fd);
  if (!readable && !writable) {
    if (it != self->polls_.end()) {
      uv_poll_stop(it->second);
      close_and_free(reinterpret_cast<uv_handle_t*>(it->second));
      self->polls_.erase(it);
    }
    return;
  }
  uv_poll_t* poll;
  if (it == self->polls_.end()) {
    poll = new uv_poll_t;
    uv_poll_init_socket(self->loop_, poll, fd);
    poll->data = self;
    self->polls_[fd] = poll;
  } else {
    poll = it->second;
  }
  int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  uv_poll_start(poll, events, [](uv_poll_t* handle, int status, int ev) {
    auto* r = static_cast<Resolver*>(handle->data);
    int fd = -1;
    uv_fileno(reinterpret_cast<uv_handle_t*>(handle), &fd);
    // On a poll error let c-ares read and write so it notices the socket's failure.
    bool all = status < 0;
    r->process(all || (ev & UV_READABLE) ? fd : ARES_SOCKET_BAD,
               all || (ev & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
  });
}

void Resolver::process(int read_fd, int write_fd) {
  ares_process_fd(channel_, read_fd, write_fd);
  arm_timer();
}

void Resolver::arm_timer() {
  timeval tv{};
  timeval* t = ares_timeout(channel_, nullptr, &tv);
  if (t == nullptr) {
    uv_timer_stop(timer_);
    return;
  }
  uint64_t ms = static_cast<uint64_t>(t->tv_sec) * 1000 + static_cast<uint64_t>(t->tv_usec) / 1000;
  uv_timer_start(
      timer_,
      [](uv_timer_t* h) {
        static_cast<Resolver*>(h->data)->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      },
      ms == 0 ? 1 : ms, 0);
}

void Resolver::lookup_mx(const std::string& domain, MxCallback done) {
  auto* q = new MxQuery{std::move(done)};
  ares_query(
      channel_, domain.c_str(), ns_c_in, ns_t_mx,
      [](void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
        (void)timeouts;
        std::unique_ptr<MxQuery> q(static_cast<MxQuery*>(arg));
        std::vector<MxRecord> records;
        DnsResult result = classify(status);
        std::string why = status == ARES_SUCCESS ? "" : ares_strerror(status);
        if (status == ARES_SUCCESS) {
          ares_mx_reply* mx = nullptr;
          int rc = ares_parse_mx_reply(abuf, alen, &mx);
          if (rc == ARES_SUCCESS) {
            for (auto* m = mx; m != nullptr; m = m->next) {
              records.push_back({m->priority, m->host == nullptr ? "" : m->host});
            }
            ares_free_data(mx);
          } else {
            result = classify(rc);
            why = ares_strerror(rc);
          }
          if (result == DnsResult::kOk && records.empty()) result = DnsResult::kNoData;
        }
        q->done(result, std::move(records), why);
      },
      q);
  arm_timer();
}

void Resolver::lookup_addresses(const std::string& host, uint16_t port, AddressCallback done) {
  if (auto literal = net::SocketAddress::parse(host, port)) {
    done(DnsResult::kOk, {*literal}, "");
    return;
  }
  auto* q = new AddressQuery{std::move(done), port};
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = ARES_AI_NOSORT;
  ares_getaddrinfo(
      channel_, host.c_str(), nullptr, &hints,
      [](void* arg, int status, int timeouts, ares_addrinfo* info) {
        (void)timeouts;
        std::unique_ptr<AddressQuery> q(static_cast<AddressQuery*>(arg));
        std::vector<net::SocketAddress> out;
        if (info != nullptr) {
          for (auto* n = info->nodes; n != nullptr; n = n->ai_next) {
            auto a = net::SocketAddress::from_sockaddr(n->ai_addr, n->ai_addrlen);
            if (!a) continue;
            auto with_port = net::SocketAddress::parse(a->ip(), q->port);
            if (with_port) out.push_back(*with_port);
          }
          ares_freeaddrinfo(info);
        }
        DnsResult result = classify(status);
        if (result == DnsResult::kOk && out.empty()) result = DnsResult::kNoData;
        q->done(result, std::move(out), status == ARES_SUCCESS ? "" : ares_strerror(status));
      },
      q);
  arm_timer();
}

}  // namespace tegami::outbound
