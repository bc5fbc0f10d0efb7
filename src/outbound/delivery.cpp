// The delivery thread. Its loop owns every piece of state below; deliver() only appends to
// `incoming` under the mutex and wakes the loop.
//
// Per destination (the recipients' domain, or the smarthost) there is a queue of jobs and at
// most connections_per_domain Links. A Link is one connection attempt walking the route:
// each host in MX preference order, each address of a host, until a session gets ready;
// then it takes jobs from its destination's queue one after the other (connection reuse)
// until the queue is empty and the connection's idle timer sends QUIT. When every host of
// the route failed, the jobs still waiting get the last failure — unless another Link of the
// same destination is serving (connected and ready): then the jobs wait for it, and the
// destination's connection cap drops to the links that do serve (a server that refuses extra
// connections must not cause a storm of new attempts). Links still connecting do not count:
// they walk the same route and would most likely fail the same way.
#include "outbound/delivery.h"

#include <uv.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "log/log.h"
#include "outbound/body.h"
#include "outbound/downgrade.h"
#include "outbound/resolver.h"
#include "outbound/route.h"

namespace tegami::outbound {
namespace {

struct Target {
  std::string host;
  uint16_t port = 25;
  bool implicit_tls = false;
  TlsPolicy tls = TlsPolicy::kOpportunistic;
  std::string user;
  std::string password;
  bool implicit_mx = false;  // the domain itself (no MX): no address = no such domain
};

struct Job {
  DeliveryRequest request;
  RemoteDelivery::Done done;
  std::shared_ptr<const std::string> body;
  Transaction transaction;
  // For a server without 8BITMIME: the body converted to 7 bits (downgrade.h) and its size;
  // null when the body is 7-bit anyway or could not be converted.
  std::shared_ptr<const std::string> body7;
  uint64_t size7 = 0;
};

RecipientOutcome outcome_of(const Reply& reply, const std::string& mta) {
  RecipientOutcome o;
  o.kind = reply.positive()    ? RecipientOutcome::Kind::kDelivered
           : reply.permanent() ? RecipientOutcome::Kind::kBounced
                               : RecipientOutcome::Kind::kDeferred;
  o.reply = reply.one_line();
  o.remote_mta = mta;
  return o;
}

bool has_non_ascii(std::string_view s) {
  for (unsigned char ch : s)
    if (ch >= 0x80) return true;
  return false;
}

// RFC 6531: a non-ASCII envelope address always needs SMTPUTF8; UTF-8 in the header only when
// the sender said SMTPUTF8 (8-bit headers without it are sent as they are, as before).
Utf8Need utf8_need(const DeliveryRequest& r, std::string_view message) {
  bool address = has_non_ascii(r.mail_from);
  for (const std::string& rc : r.recipients) address = address || has_non_ascii(rc);
  if (address) return Utf8Need::kAddress;
  if (!r.smtputf8) return Utf8Need::kNone;
  size_t end = message.find("\r\n\r\n");
  if (end == std::string_view::npos) end = message.find("\n\n");
  if (has_non_ascii(message.substr(0, end))) return Utf8Need::kHeaders;
  return Utf8Need::kAsked;
}

void finish_job(Job& job, const Reply& reply, const std::string& mta) {
  std::vector<RecipientOutcome> out(job.request.recipients.size(), outcome_of(reply, mta));
  job.done(std::move(out));
}

Target target_of(const Smarthost& relay) {
  Target t;
  t.host = relay.host;
  t.port = relay.port;
  t.implicit_tls = relay.tls == Smarthost::Tls::kImplicit;
  t.tls = relay.tls == Smarthost::Tls::kStartTls ? TlsPolicy::kRequired : TlsPolicy::kNone;
  t.user = relay.user;
  t.password = relay.password;
  return t;
}

}  // namespace

class Link;

struct Destination {
  std::string key;
  std::string domain;
  std::optional<Smarthost> relay;
  std::deque<std::unique_ptr<Job>> waiting;
  std::vector<Link*> links;
  size_t cap = 0;  // 0 = connections_per_domain; lowered after a failure while others serve
};

struct RemoteDelivery::Impl {
  DeliverySettings settings;
  uv_loop_t loop{};
  uv_async_t wake{};
  std::thread thread;
  std::mutex mu;
  std::vector<std::unique_ptr<Job>> incoming;  // guarded by mu
  bool stopping = false;                       // guarded by mu
  bool stopped = false;                        // loop thread only
  std::unique_ptr<Resolver> resolver;
  std::shared_ptr<const net::TlsClientContext> tls;
  std::map<std::string, std::unique_ptr<Destination>> destinations;

  void on_wake();
  void accept(std::unique_ptr<Job> job);
  void enqueue(std::unique_ptr<Job> job);
  void dispatch(Destination& d);
  void shutdown();
  ConnectionOptions connection_options(const Target& t) const;
};

// One connection attempt and, once ready, the connection serving its destination.
class Link : public ClientConnection::Owner {
 public:
  Link(RemoteDelivery::Impl& impl, Destination& dest) : impl_(impl), dest_(dest) {}

  void start();
  bool ready() const { return conn_ != nullptr && conn_->ready() && !current_; }
  bool serving() const { return serving_ && conn_ != nullptr; }
  bool connecting() const { return !serving_; }
  // Sends the next waiting job. REQUIRES: ready() and jobs waiting.
  void take_next();
  void abort(const std::string& why) {
    if (conn_ != nullptr) conn_->abort(why);
  }

  void on_ready(ClientConnection& c) override;
  void on_result(ClientConnection& c, TransactionResult result) override;
  void on_closed(ClientConnection& c, ClientConnection::CloseInfo info) override;

 private:
  void route_mx();
  void next_target();
  void next_address();
  void exhausted();
  void done();

  RemoteDelivery::Impl& impl_;
  Destination& dest_;
  std::vector<Target> targets_;
  size_t target_index_ = 0;
  std::vector<net::SocketAddress> addresses_;
  size_t address_index_ = 0;
  ClientConnection* conn_ = nullptr;
  bool resolving_ = false;
  bool serving_ = false;  // a session got ready: the link now serves its destination
  std::unique_ptr<Job> current_;
  Reply last_failure_ = make_reply(451, "4.4.1 no server could be reached");
};

void Link::start() {
  if (dest_.relay) {
    targets_.push_back(target_of(*dest_.relay));
    next_target();
    return;
  }
  route_mx();
}

void Link::route_mx() {
  if (!impl_.resolver) {
    exhausted();
    return;
  }
  resolving_ = true;
  std::string domain = dest_.domain;
  impl_.resolver->lookup_mx(
      domain, [this, domain](DnsResult result, std::vector<MxRecord> mx, const std::string& why) {
        resolving_ = false;
        if (result == DnsResult::kTemporary) {
          last_failure_ = make_reply(451, "4.4.3 DNS lookup of MX " + domain + " failed: " + why);
          exhausted();
          return;
        }
        if (result == DnsResult::kNoSuchDomain) {
          last_failure_ =
              make_reply(550, "5.1.2 domain " + domain + " does not exist (DNS: " + why + ")");
          exhausted();
          return;
        }
        Route route = route_from_mx(domain, std::move(mx));
        if (route.kind == Route::Kind::kNullMx) {
          last_failure_ =
              make_reply(556, "5.1.10 domain " + domain + " accepts no mail (null MX, RFC 7505)");
          exhausted();
          return;
        }
        for (const auto& host : route.hosts) {
          Target t;
          t.host = host;
          t.port = impl_.settings.mx_port;
          t.implicit_mx = result != DnsResult::kOk;
          targets_.push_back(std::move(t));
        }
        next_target();
      });
}

void Link::next_target() {
  if (target_index_ >= targets_.size() || !impl_.resolver) {
    exhausted();
    return;
  }
  const Target& t = targets_[target_index_];
  resolving_ = true;
  impl_.resolver->lookup_addresses(
      t.host, t.port,
      [this](DnsResult result, std::vector<net::SocketAddress> addrs, const std::string& why) {
        resolving_ = false;
        const Target& t = targets_[target_index_];
        if (result != DnsResult::kOk) {
          bool gone = result != DnsResult::kTemporary;
          last_failure_ =
              gone && t.implicit_mx
                  ? make_reply(550,
                               "5.1.2 " + t.host + " has no MX and no address (DNS: " + why + ")")
                  : make_reply(451, "4.4.3 DNS lookup of " + t.host + " failed: " + why);
          ++target_index_;
          next_target();
          return;
        }
        addresses_ = std::move(addrs);
        address_index_ = 0;
        next_address();
      });
}

void Link::next_address() {
  if (address_index_ >= addresses_.size()) {
    ++target_index_;
    next_target();
    return;
  }
  bool stopping = impl_.stopped;
  if (stopping) {
    exhausted();
    return;
  }
  conn_ =
      ClientConnection::open(&impl_.loop, *this, impl_.connection_options(targets_[target_index_]),
                             addresses_[address_index_]);
}

void Link::on_ready(ClientConnection& c) {
  (void)c;
  serving_ = true;
  if (!dest_.waiting.empty()) take_next();
}

void Link::take_next() {
  current_ = std::move(dest_.waiting.front());
  dest_.waiting.pop_front();
  if (current_->transaction.eight_bit && !conn_->capabilities().eightbitmime && current_->body7) {
    // RFC 6152 §3: convert for this server (the session refuses an unconverted 8-bit body).
    Transaction t = current_->transaction;
    t.eight_bit = false;
    t.size = current_->size7;
    logging::info("outbound: " + conn_->host() +
                  " has no 8BITMIME: the message is sent converted to quoted-printable");
    conn_->send(std::move(t), current_->body7);
    return;
  }
  auto body = current_->body;
  conn_->send(current_->transaction, std::move(body));
}

void Link::on_result(ClientConnection& c, TransactionResult result) {
  if (!current_) return;
  std::unique_ptr<Job> job = std::move(current_);
  std::vector<RecipientOutcome> out;
  for (size_t i = 0; i < job->request.recipients.size(); ++i) {
    const Reply& r =
        i < result.recipients.size() ? result.recipients[i] : make_reply(451, "4.4.0 no reply");
    out.push_back(outcome_of(r, c.host()));
    out.back().dsn_passed = result.dsn_passed;
    logging::info("outbound: to=<" + logging::sanitize(job->request.recipients[i]) + "> relay=" +
                  c.host() + "[" + c.address().ip() + "]:" + std::to_string(c.address().port()) +
                  (c.tls_active() ? " tls" : "") + " status=" +
                  (r.positive()    ? "sent"
                   : r.permanent() ? "bounced"
                                   : "deferred") +
                  " (" + logging::sanitize(r.one_line()) + ")");
  }
  job->done(std::move(out));
}

void Link::on_closed(ClientConnection& c, ClientConnection::CloseInfo info) {
  (void)c;
  conn_ = nullptr;
  if (current_) {  // no result came (cannot happen: abort reports one); keep the job
    dest_.waiting.push_front(std::move(current_));
  }
  if (info.was_ready) {
    done();
    return;
  }
  if (info.failure) last_failure_ = *info.failure;
  // A host that answers 5xx at the greeting or to EHLO, or a relay refusing AUTH, is still
  // only this host: try the next one (RFC 5321 §5.1).
  ++address_index_;
  next_address();
}

void Link::exhausted() {
  size_t serving = 0;
  for (Link* l : dest_.links) serving += (l != this && l->serving()) ? 1 : 0;
  if (serving > 0 && !last_failure_.permanent()) dest_.cap = serving;
  if (serving == 0 || last_failure_.permanent()) {
    while (!dest_.waiting.empty()) {
      std::unique_ptr<Job> job = std::move(dest_.waiting.front());
      dest_.waiting.pop_front();
      logging::info("outbound: " + dest_.key + ": " + logging::sanitize(last_failure_.one_line()));
      finish_job(*job, last_failure_, "");
    }
  }
  done();
}

// Leaves the destination; another link starts if jobs still wait.
void Link::done() {
  auto& links = dest_.links;
  links.erase(std::remove(links.begin(), links.end(), this), links.end());
  if (links.empty()) dest_.cap = 0;  // the next attempt starts afresh
  Destination& d = dest_;
  RemoteDelivery::Impl& impl = impl_;
  delete this;
  if (!impl.stopped) impl.dispatch(d);
}

ConnectionOptions RemoteDelivery::Impl::connection_options(const Target& t) const {
  ConnectionOptions o;
  o.session.helo_name = settings.helo_name;
  o.session.tls = tls ? t.tls : TlsPolicy::kNone;
  o.session.tls_active = t.implicit_tls;
  o.session.auth_user = t.user;
  o.session.auth_password = t.password;
  o.implicit_tls = t.implicit_tls;
  o.tls = tls;
  o.host = t.host;
  o.timeouts = settings.timeouts;
  o.limits = settings.limits;
  return o;
}

void RemoteDelivery::Impl::dispatch(Destination& d) {
  for (Link* l : std::vector<Link*>(d.links)) {
    if (d.waiting.empty()) return;
    if (l->ready()) l->take_next();
  }
  size_t connecting = 0;
  for (Link* l : d.links) connecting += l->connecting() ? 1 : 0;
  size_t limit = settings.connections_per_domain;
  if (d.cap != 0) limit = std::min(limit, d.cap);
  while (d.waiting.size() > connecting && d.links.size() < limit) {
    Link* l = new Link(*this, d);
    d.links.push_back(l);
    ++connecting;
    l->start();
  }
}

void RemoteDelivery::Impl::enqueue(std::unique_ptr<Job> job) {
  std::string sender_domain = domain_of(job->request.mail_from);
  std::optional<Smarthost> relay = settings.smarthost;
  if (auto it = settings.sender_smarthosts.find(sender_domain);
      it != settings.sender_smarthosts.end()) {
    relay = it->second;
  }
  std::string key =
      relay ? "relay:" + relay->host + ":" + std::to_string(relay->port) + ":" + relay->user
            : job->request.domain;
  auto& slot = destinations[key];
  if (!slot) {
    slot = std::make_unique<Destination>();
    slot->key = key;
    slot->domain = job->request.domain;
    slot->relay = relay;
  }
  slot->waiting.push_back(std::move(job));
  dispatch(*slot);
}

// Reads and prepares the message off the loop, then queues the job.
void RemoteDelivery::Impl::accept(std::unique_ptr<Job> job) {
  struct Work {
    uv_work_t req;
    Impl* impl;
    std::unique_ptr<Job> job;
    std::string error;
  };
  auto* w = new Work{{}, this, std::move(job), {}};
  w->req.data = w;
  uv_queue_work(
      &loop, &w->req,
      [](uv_work_t* req) {
        auto* w = static_cast<Work*>(req->data);
        const DeliveryRequest& rq = w->job->request;
        std::ifstream in(rq.message_path, std::ios::binary);
        if (!in.is_open()) {
          w->error = "cannot open " + rq.message_path;
          return;
        }
        in.seekg(static_cast<std::streamoff>(rq.message_offset));
        std::string message(static_cast<std::size_t>(rq.message_size), '\0');
        in.read(message.data(), static_cast<std::streamsize>(message.size()));
        if (!in || static_cast<std::uint64_t>(in.gcount()) != rq.message_size) {
          w->error = "cannot read " + rq.message_path;
          return;
        }
        WireBody body = make_wire_body(message);
        Transaction& t = w->job->transaction;
        t.mail_from = w->job->request.mail_from;
        t.recipients = w->job->request.recipients;
        t.size = message.size();
        t.eight_bit = body.eight_bit;
        t.utf8 = utf8_need(w->job->request, message);
        t.ret = w->job->request.ret;
        t.envid = w->job->request.envid;
        t.dsn = w->job->request.dsn;
        w->job->body = std::make_shared<const std::string>(std::move(body.bytes));
        if (t.eight_bit) {
          if (std::optional<std::string> seven = downgrade_to_7bit(message)) {
            w->job->size7 = seven->size();
            w->job->body7 = std::make_shared<const std::string>(make_wire_body(*seven).bytes);
          }
        }
      },
      [](uv_work_t* req, int status) {
        std::unique_ptr<Work> w(static_cast<Work*>(req->data));
        if (status < 0 || !w->error.empty() || w->impl->stopped) {
          finish_job(*w->job,
                     make_reply(451, "4.3.0 " + (w->error.empty() ? "shutting down" : w->error)),
                     "");
          return;
        }
        w->impl->enqueue(std::move(w->job));
      });
}

void RemoteDelivery::Impl::on_wake() {
  std::vector<std::unique_ptr<Job>> jobs;
  bool stop;
  {
    std::lock_guard lock(mu);
    jobs.swap(incoming);
    stop = stopping;
  }
  for (auto& j : jobs) {
    if (stop) {
      finish_job(*j, make_reply(451, "4.3.0 shutting down"), "");
    } else {
      accept(std::move(j));
    }
  }
  if (stop && !stopped) shutdown();
}

void RemoteDelivery::Impl::shutdown() {
  stopped = true;
  resolver.reset();  // pending lookups fail: their links give up
  for (auto& [key, d] : destinations) {
    for (Link* l : std::vector<Link*>(d->links)) l->abort("shutting down");
    while (!d->waiting.empty()) {
      finish_job(*d->waiting.front(), make_reply(451, "4.3.0 shutting down"), "");
      d->waiting.pop_front();
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
}

RemoteDelivery::RemoteDelivery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

maildir::Result<std::unique_ptr<RemoteDelivery>> RemoteDelivery::start(DeliverySettings settings) {
  auto impl = std::make_unique<Impl>();
  impl->settings = std::move(settings);
  if (impl->settings.connections_per_domain == 0) impl->settings.connections_per_domain = 1;
  uv_loop_init(&impl->loop);
  Resolver::Options ro;
  ro.servers = impl->settings.dns_servers;
  ro.timeout = impl->settings.dns_timeout;
  auto resolver = Resolver::create(&impl->loop, ro);
  if (!resolver.ok()) {
    uv_loop_close(&impl->loop);
    return resolver.status();
  }
  impl->resolver = std::move(resolver.value());
  auto tls = net::TlsClientContext::create();
  if (tls.ok()) {
    impl->tls = tls.value();
  } else {
    logging::warning("outbound: no TLS for remote delivery: " + tls.status().message());
  }
  impl->wake.data = impl.get();
  uv_async_init(&impl->loop, &impl->wake,
                [](uv_async_t* a) { static_cast<Impl*>(a->data)->on_wake(); });
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    uv_run(&raw->loop, UV_RUN_DEFAULT);
    raw->destinations.clear();
    uv_run(&raw->loop, UV_RUN_DEFAULT);  // close callbacks of what shutdown() closed
    uv_loop_close(&raw->loop);
  });
  return std::unique_ptr<RemoteDelivery>(new RemoteDelivery(std::move(impl)));
}

RemoteDelivery::~RemoteDelivery() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  uv_async_send(&impl_->wake);
  impl_->thread.join();
}

void RemoteDelivery::deliver(DeliveryRequest request, Done done) {
  auto job = std::make_unique<Job>();
  job->request = std::move(request);
  job->done = std::move(done);
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->incoming.push_back(std::move(job));
      job.reset();
    }
  }
  if (job) {
    finish_job(*job, make_reply(451, "4.3.0 shutting down"), "");
    return;
  }
  uv_async_send(&impl_->wake);
}

}  // namespace tegami::outbound
