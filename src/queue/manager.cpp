// The queue manager (manager.h). Every disk step runs in a blocking job that captures only
// values and shared pointers (never `this`); the loop-thread half checks `alive_` first, so a
// job finishing after the manager is gone does nothing.
#include "queue/manager.h"

#include <time.h>

#include <algorithm>
#include <limits>

#include "delivery/local_delivery.h"
#include "dsn/dsn.h"
#include "log/log.h"
#include "metrics/counters.h"
#include "queue/bounce.h"
#include "smtp/path.h"

namespace tegami_queue {

namespace {

using tegami_delivery::RcptVerdict;

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
// Entries worked on at once (each is one blocking job on the thread pool).
constexpr std::size_t kMaxJobs = 4;
// A DSN that could not be queued: the bounce is retried after this long.
constexpr std::int64_t kDsnRetry = 300;
constexpr std::int64_t kFirstRetry = 5 * 60;
constexpr std::int64_t kMaxRetryGap = 4 * 60 * 60;
constexpr std::int64_t kMaxQueueAge = 5 * 24 * 60 * 60;
constexpr std::int64_t kDelayNoticeAfter = 4 * 60 * 60;

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string domain_of(const std::string& address) {
  std::size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : lower(address.substr(at + 1));
}

std::string reply_line(const tegami_smtp::Reply& r) {
  std::string w = r.wire();
  return w.substr(0, w.size() - 2);
}

// One pass over one entry, on a pool thread: the recipient changes, the DSNs they need, and
// then record / remove.
class Pass {
 public:
  Pass(Queue& queue, const Schedule& schedule, std::string hostname, std::int64_t now)
      : queue_(queue), schedule_(schedule), hostname_(std::move(hostname)), now_(now) {}

  // `dsn_passed`: a remote server took the RFC 3461 parameters (it reports from now on).
  void delivered(Entry& e, std::size_t i, std::string reply, std::string mta,
                 bool dsn_passed = false) {
    Recipient& r = e.recipients[i];
    r.state = RcptState::kDelivered;
    ++r.attempts;
    r.last_reply = std::move(reply);
    r.remote_mta = std::move(mta);
    changed_.push_back(i);
    ++delivered_;
    // Final delivery here: "delivered". Handed to a server that offers DSN: its business from
    // now on. Handed to one without DSN: "relayed" (RFC 3461 §5.2.2.1), when SUCCESS was asked.
    if (r.remote_mta.empty() &&
        tegami_dsn::dsn_wanted(e.envelope.sender, e.envelope.is_dsn, r.has_notify, r.notify,
                               tegami_dsn::Action::kDelivered))
      succeeded_.push_back(i);
    if (!r.remote_mta.empty() && !dsn_passed &&
        tegami_dsn::dsn_wanted(e.envelope.sender, e.envelope.is_dsn, r.has_notify, r.notify,
                               tegami_dsn::Action::kRelayed))
      relayed_.push_back(i);
  }

  void bounced(Entry& e, std::size_t i, std::string reply, std::string mta) {
    Recipient& r = e.recipients[i];
    r.state = RcptState::kBounced;
    ++r.attempts;
    r.last_reply = std::move(reply);
    r.remote_mta = std::move(mta);
    changed_.push_back(i);
    ++bounced_;
    if (tegami_dsn::dsn_wanted(e.envelope.sender, e.envelope.is_dsn, r.has_notify, r.notify,
                               tegami_dsn::Action::kFailed))
      failed_.push_back(i);
  }

  void deferred(Entry& e, std::size_t i, std::string reply, std::string mta) {
    Recipient& r = e.recipients[i];
    ++r.attempts;
    std::optional<std::int64_t> next = schedule_.next_attempt(e.envelope, r, now_);
    if (!next) {
      // Queued too long: the last temporary error becomes final (RFC 3463 4.4.7 → 5.4.7).
      --r.attempts;
      return bounced(e, i, reply + " (message expired in the queue)", std::move(mta));
    }
    ++deferred_;
    r.state = RcptState::kDeferred;
    r.next_attempt = *next;
    r.last_reply = std::move(reply);
    r.remote_mta = std::move(mta);
    changed_.push_back(i);
  }

  // Delay notices for recipients just deferred, then the DSNs, then the record.
  // Returns false when the entry could not be recorded (it stays as it was on disk).
  bool commit(Entry& e) {
    // Only right after a deferral in this pass (never just before an expiry bounce).
    for (std::size_t i : changed_) {
      Recipient& r = e.recipients[i];
      if (r.state != RcptState::kDeferred || r.delay_notified ||
          !schedule_.delay_notice_due(e.envelope, r, now_))
        continue;
      if (std::find(delayed_.begin(), delayed_.end(), i) != delayed_.end()) continue;
      if (!tegami_dsn::dsn_wanted(e.envelope.sender, e.envelope.is_dsn, r.has_notify, r.notify,
                                  tegami_dsn::Action::kDelayed))
        continue;
      delayed_.push_back(i);
    }
    send_dsn(e, failed_, tegami_dsn::Action::kFailed);
    send_dsn(e, succeeded_, tegami_dsn::Action::kDelivered);
    send_dsn(e, relayed_, tegami_dsn::Action::kRelayed);
    if (send_dsn(e, delayed_, tegami_dsn::Action::kDelayed)) {
      for (std::size_t i : delayed_) {
        e.recipients[i].delay_notified = true;
        changed_.push_back(i);
      }
    }
    std::sort(changed_.begin(), changed_.end());
    changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
    // Every recipient final and every DSN queued: removing the entry is the record (its env/
    // unlink is durable before remove() returns). Only if that fails is the state appended.
    if (e.done() && queue_.remove(e.id).ok()) {
      removed_ = true;
      return true;
    }
    if (maildir::Status s = queue_.record(e, changed_); !s.ok()) {
      logging::error("queue: " + e.id + ": cannot record delivery state: " + s.to_string());
      return false;
    }
    if (e.done()) {
      if (maildir::Status s = queue_.remove(e.id); !s.ok())
        logging::error("queue: " + e.id + ": cannot remove: " + s.to_string());
      removed_ = true;
    }
    return true;
  }

  const std::string& message(const Entry& e) {
    if (!message_) {
      auto m = queue_.read_message(e);
      message_ = m.ok() ? std::move(m).value() : std::string();
    }
    return *message_;
  }

  std::vector<QueueId> queued;  // DSNs and forwarded entries written in this pass
  bool removed() const { return removed_; }
  std::uint64_t delivered_ = 0, deferred_ = 0, bounced_ = 0;

 private:
  // Queues one DSN about `which`. When it cannot be queued, failures are turned back into
  // deferrals (retried, and bounced again later) so the sender is never left uninformed.
  bool send_dsn(Entry& e, const std::vector<std::size_t>& which, tegami_dsn::Action action) {
    if (which.empty()) return false;
    std::vector<tegami_dsn::RecipientReport> reports;
    for (std::size_t i : which) {
      const Recipient& r = e.recipients[i];
      tegami_dsn::RecipientReport rr;
      rr.final_recipient = r.address;
      rr.original_recipient = r.orcpt;
      rr.action = action;
      rr.status = tegami_dsn::status_of_reply(r.last_reply);
      if (action == tegami_dsn::Action::kFailed && rr.status[0] == '4') rr.status[0] = '5';
      rr.remote_mta = r.remote_mta;
      rr.diagnostic = r.last_reply;
      rr.last_attempt = now_;
      if (action == tegami_dsn::Action::kDelayed)
        rr.will_retry_until = schedule_.retry_until(e.envelope);
      reports.push_back(std::move(rr));
    }
    auto id = queue_dsn(queue_, e.envelope, message(e), std::move(reports), hostname_, now_);
    if (id.ok()) {
      queued.push_back(*id);
      logging::info("queue: " + e.id + ": " + std::string(tegami_dsn::action_name(action)) +
                    " DSN queued as " + *id);
      return true;
    }
    logging::error("queue: " + e.id + ": cannot queue a DSN: " + id.status().to_string());
    if (action == tegami_dsn::Action::kFailed) {
      for (std::size_t i : which) {
        e.recipients[i].state = RcptState::kDeferred;
        e.recipients[i].next_attempt = now_ + kDsnRetry;
      }
    }
    return false;
  }

  Queue& queue_;
  const Schedule& schedule_;
  std::string hostname_;
  std::int64_t now_;
  std::vector<std::size_t> changed_, failed_, delayed_, succeeded_, relayed_;
  std::optional<std::string> message_;
  bool removed_ = false;
};

// The earliest time anything in `e` is due; remote recipients count only with a transport.
std::int64_t due_of(const Entry& e, const std::vector<bool>& remote, bool have_transport) {
  std::int64_t due = kNever;
  for (std::size_t i = 0; i < e.recipients.size(); ++i) {
    const Recipient& r = e.recipients[i];
    if (r.final() || (remote[i] && !have_transport)) continue;
    due = std::min(due, r.next_attempt);
  }
  return due;
}

}  // namespace

// ---- Schedule defaults ---------------------------------------------------------------------

std::optional<std::int64_t> Schedule::next_attempt(const Envelope& e, const Recipient& r,
                                                   std::int64_t now) const {
  if (now >= e.arrival + kMaxQueueAge) return std::nullopt;
  std::int64_t gap = kFirstRetry;
  for (std::uint32_t i = 1; i < r.attempts && gap < kMaxRetryGap; ++i) gap *= 2;
  return now + std::min(gap, kMaxRetryGap);
}

std::int64_t Schedule::retry_until(const Envelope& e) const {
  return e.arrival + kMaxQueueAge;
}

bool Schedule::delay_notice_due(const Envelope& e, const Recipient& r, std::int64_t now) const {
  return !r.final() && !r.delay_notified && r.attempts > 0 && now >= e.arrival + kDelayNoticeAfter;
}

// ---- Manager ------------------------------------------------------------------------------

struct Manager::PassResult {
  bool gone = false;  // the entry no longer exists (removed, or never readable)
  std::int64_t due = kNever;
  std::int64_t arrival = 0;
  std::optional<Entry> entry;  // set when remote recipients are due for the transport
  std::vector<std::size_t> remote_due;
  std::vector<QueueId> queued;
  std::uint64_t delivered = 0, deferred = 0, bounced = 0;
  // Remote recipients were left alone because no transport was registered at the start of
  // the pass; if one is registered by the time the pass finishes, they are due at once.
  bool waiting_for_transport = false;
};

Manager::Manager(ManagerOptions options) : options_(std::move(options)) {
  if (!options_.schedule) options_.schedule = std::make_shared<Schedule>();
}

Manager::~Manager() {
  *alive_ = false;
}

std::int64_t Manager::now() const {
  return options_.now ? options_.now() : static_cast<std::int64_t>(::time(nullptr));
}

void Manager::start() {
  running_ = true;
  scan();
}

void Manager::stop() {
  running_ = false;
}

void Manager::set_transport(std::shared_ptr<RemoteTransport> transport) {
  transport_ = std::move(transport);
  if (transport_) {
    // Remote recipients that were waiting for a transport are due now.
    for (auto& [id, k] : known_) k.due = std::min(k.due, now());
    run_due();
  }
}

void Manager::notify_enqueued(const QueueId& id) {
  std::weak_ptr<bool> alive = alive_;
  options_.executor->post([this, alive, id] {
    auto a = alive.lock();
    if (!a || !*a) return;
    Known& k = known_[id];
    k.due = 0;
    if (k.arrival == 0) k.arrival = now();
    run_due();
  });
}

void Manager::flush() {
  std::weak_ptr<bool> alive = alive_;
  options_.executor->post([this, alive] {
    auto a = alive.lock();
    if (!a || !*a) return;
    for (auto& [id, k] : known_) {
      k.due = 0;
      k.force = true;
    }
    scan();
  });
}

void Manager::retry(const QueueId& id) {
  std::weak_ptr<bool> alive = alive_;
  options_.executor->post([this, alive, id] {
    auto a = alive.lock();
    if (!a || !*a) return;
    Known& k = known_[id];
    k.due = 0;
    k.force = true;
    run_due();
  });
}

void Manager::remove(const QueueId& id) {
  std::weak_ptr<bool> alive = alive_;
  options_.executor->post([this, alive, id] {
    auto a = alive.lock();
    if (!a || !*a) return;
    auto it = known_.find(id);
    if (it != known_.end() && it->second.busy) {
      it->second.remove_pending = true;  // finish() removes it
      return;
    }
    remove_now(id);
  });
}

// Loop thread: the entry is not busy. It stays busy (never processed) until removed.
void Manager::remove_now(const QueueId& id) {
  Known& k = known_[id];
  k.busy = true;
  ++jobs_;
  Queue* q = options_.queue;
  std::weak_ptr<bool> alive = alive_;
  options_.executor->run_blocking(
      [q, id] {
        maildir::Status s = q->remove(id);
        if (s.ok()) {
          logging::notice("queue: " + id + ": deleted by the admin");
        } else if (s.code() != maildir::Code::kNotFound) {
          logging::error("queue: " + id + ": cannot delete: " + s.to_string());
        }
      },
      [this, alive, id] {
        auto a = alive.lock();
        if (!a || !*a) return;
        --jobs_;
        known_.erase(id);
        run_due();
      });
}

Manager::Stats Manager::stats() const {
  Stats s = stats_;
  s.entries = known_.size();
  for (const auto& [id, k] : known_)
    if (s.oldest_arrival == 0 || (k.arrival != 0 && k.arrival < s.oldest_arrival))
      s.oldest_arrival = k.arrival;
  return s;
}

void Manager::scan() {
  if (!running_ || scanning_) return;
  scanning_ = true;
  struct Found {
    QueueId id;
    std::int64_t arrival = 0;
  };
  auto found = std::make_shared<std::vector<Found>>();
  Queue* q = options_.queue;
  std::weak_ptr<bool> alive = alive_;
  options_.executor->run_blocking(
      [q, found] {
        auto ids = q->list();
        if (!ids.ok()) {
          logging::error("queue: cannot list " + q->dir() + ": " + ids.status().to_string());
          return;
        }
        for (const QueueId& id : *ids) {
          auto e = q->load(id);
          if (e.ok()) {
            found->push_back({id, e->envelope.arrival});
          } else if (e.status().code() == maildir::Code::kCorrupt) {
            logging::error("queue: " + e.status().to_string() + " (left in place for the admin)");
          }
        }
      },
      [this, alive, found] {
        auto a = alive.lock();
        if (!a || !*a) return;
        scanning_ = false;
        for (const Found& f : *found) {
          auto [it, inserted] = known_.try_emplace(f.id);
          if (inserted) it->second.due = 0;
          it->second.arrival = f.arrival;
        }
        run_due();
      });
}

void Manager::run_due() {
  tegami::metrics::Counters& counters = tegami::metrics::process_counters();
  counters.set_queue_length(known_.size());
  std::int64_t oldest = 0;
  for (const auto& [id, k] : known_)
    if (k.arrival != 0 && (oldest == 0 || k.arrival < oldest)) oldest = k.arrival;
  counters.set_queue_oldest_arrival(oldest);
  if (!running_) return;
  std::int64_t t = now();
  for (auto& [id, k] : known_) {
    if (jobs_ >= kMaxJobs) break;
    if (k.busy || k.due > t) continue;
    process(id);
  }
  arm_timer();
}

void Manager::arm_timer() {
  if (!running_) return;
  std::int64_t earliest = kNever;
  for (const auto& [id, k] : known_)
    if (!k.busy) earliest = std::min(earliest, k.due);
  std::int64_t t = now();
  std::chrono::milliseconds delay = kMaxSleep;
  if (earliest != kNever) {
    std::int64_t secs = std::max<std::int64_t>(earliest - t, 0);
    delay = std::min<std::chrono::milliseconds>(kMaxSleep, std::chrono::seconds(secs));
    // Busy slots: look again soon rather than spin.
    if (secs == 0) delay = std::chrono::milliseconds(jobs_ >= kMaxJobs ? 200 : 0);
  }
  if (timer_armed_ && timer_due_ <= std::chrono::steady_clock::now() + delay) return;
  timer_armed_ = true;
  timer_due_ = std::chrono::steady_clock::now() + delay;
  std::uint64_t gen = ++timer_generation_;
  std::weak_ptr<bool> alive = alive_;
  options_.executor->after(delay, [this, alive, gen] {
    auto a = alive.lock();
    if (!a || !*a || gen != timer_generation_) return;
    timer_armed_ = false;
    run_due();
  });
}

void Manager::process(const QueueId& id) {
  known_[id].busy = true;
  ++jobs_;
  auto result = std::make_shared<PassResult>();
  Queue* q = options_.queue;
  std::shared_ptr<const Schedule> schedule = options_.schedule;
  std::shared_ptr<const tegami::config::Config> config = options_.config();
  bool have_transport = transport_ != nullptr;
  bool force = known_[id].force;
  known_[id].force = false;
  std::int64_t t = now();
  std::weak_ptr<bool> alive = alive_;
  options_.executor->run_blocking(
      [q, schedule, config, have_transport, force, t, id, result, hook = options_.on_list_bounce] {
        local_pass(*q, *schedule, *config, have_transport, force, t, id, *result, hook);
      },
      [this, alive, id, result] {
        auto a = alive.lock();
        if (!a || !*a) return;
        --jobs_;
        finish(id, *result);
      });
}

// The blocking half of process(): local recipients delivered, refusals and expiry decided,
// remote recipients that are due reported back.
void Manager::local_pass(Queue& q, const Schedule& schedule, const tegami::config::Config& config,
                         bool have_transport, bool force, std::int64_t now, const QueueId& id,
                         PassResult& out,
                         const decltype(ManagerOptions::on_list_bounce)& on_list_bounce) {
  auto loaded = q.load(id);
  if (!loaded.ok()) {
    out.gone = loaded.status().code() == maildir::Code::kNotFound;
    if (!out.gone) logging::error("queue: " + id + ": " + loaded.status().to_string());
    out.due = kNever;  // corrupt or unreadable: left for the admin
    return;
  }
  Entry e = std::move(loaded).value();
  out.arrival = e.envelope.arrival;
  Pass pass(q, schedule, config.server.hostname, now);
  std::vector<bool> remote(e.recipients.size(), false);
  for (std::size_t i = 0; i < e.recipients.size(); ++i) {
    Recipient& r = e.recipients[i];
    if (r.final()) continue;
    auto parsed =
        tegami_smtp::parse_path("<" + r.address + ">", tegami_smtp::PathRole::kForwardPath);
    auto* p = std::get_if<tegami_smtp::ParsedPath>(&parsed);
    if (p == nullptr) {
      pass.bounced(e, i, "553 5.1.3 Bad recipient address syntax", "");
      continue;
    }
    RcptVerdict v = tegami_delivery::resolve_recipient(config, p->path);
    if (v.kind == RcptVerdict::Kind::kRemote) {
      remote[i] = true;
      if (force || r.next_attempt <= now) out.remote_due.push_back(i);
      continue;
    }
    if (!force && r.next_attempt > now) continue;
    if (v.kind == RcptVerdict::Kind::kRefused) {
      if (v.reply.code >= 500) {
        pass.bounced(e, i, reply_line(v.reply), "");
      } else {
        pass.deferred(e, i, reply_line(v.reply), "");
      }
      continue;
    }
    if (!v.lists.empty() || !v.list_ctl.empty()) {
      // List posts are made by the SMTP session after DATA (tegami_lists), never from here.
      pass.bounced(e, i, "550 5.3.0 Mailing lists take posts over SMTP only", "");
      continue;
    }
    // Local: the alias's external targets become their own entry, then the copies.
    if (!v.forward.empty()) {
      std::vector<Recipient> fwd;
      for (const std::string& f : v.forward) {
        Recipient fr;
        fr.address = f;
        fr.orcpt = r.orcpt;
        fr.has_notify = r.has_notify;
        fr.notify = r.notify;
        fwd.push_back(std::move(fr));
      }
      auto fid = q.enqueue(e.envelope, fwd, pass.message(e));
      if (!fid.ok()) {
        pass.deferred(e, i, "451 4.3.0 Cannot queue the forwarded copy", "");
        continue;
      }
      pass.queued.push_back(*fid);
    }
    std::vector<maildir::Status> results =
        tegami_delivery::deliver_local(pass.message(e), e.envelope.sender, "", v.mailboxes,
                                       config.limits.max_message_size, config.server.hostname);
    const maildir::Status* worst = nullptr;
    for (const maildir::Status& s : results) {
      if (s.ok()) continue;
      // A permanent refusal outweighs a temporary one.
      if (worst == nullptr || tegami_delivery::reply_for(s).code >= 500) worst = &s;
    }
    if (worst == nullptr) {
      pass.delivered(e, i, "250 2.0.0 Ok", "");
      if (!v.list_bounces.empty() && on_list_bounce) {
        for (const QueueId& n : on_list_bounce(config, v.list_bounces, pass.message(e)))
          pass.queued.push_back(n);
      }
    } else if (tegami_delivery::reply_for(*worst).code >= 500) {
      pass.bounced(e, i, reply_line(tegami_delivery::reply_for(*worst)), "");
    } else {
      pass.deferred(e, i, reply_line(tegami_delivery::reply_for(*worst)), "");
    }
  }
  if (!pass.commit(e)) {
    out.due = now + kDsnRetry;
    out.remote_due.clear();
    return;
  }
  out.queued = pass.queued;
  out.delivered = pass.delivered_;
  out.deferred = pass.deferred_;
  out.bounced = pass.bounced_;
  if (pass.removed()) {
    out.gone = true;
    return;
  }
  out.due = due_of(e, remote, have_transport);
  for (std::size_t i = 0; i < e.recipients.size(); ++i)
    if (remote[i] && !e.recipients[i].final() && !have_transport) out.waiting_for_transport = true;
  if (!out.remote_due.empty() && have_transport) {
    // Handed to the transport now: not due again until its outcome is recorded.
    out.entry = std::move(e);
  } else {
    out.remote_due.clear();
  }
}

void Manager::finish(const QueueId& id, PassResult& r) {
  stats_.delivered += r.delivered;
  stats_.deferred += r.deferred;
  stats_.bounced += r.bounced;
  tegami::metrics::Counters& counters = tegami::metrics::process_counters();
  for (std::uint64_t i = 0; i < r.delivered; ++i) counters.message_delivered();
  for (std::uint64_t i = 0; i < r.bounced; ++i) counters.message_bounced();
  using QR = tegami::metrics::Counters::QueueResult;
  counters.queue_result(QR::kDelivered, r.delivered);
  counters.queue_result(QR::kDeferred, r.deferred);
  counters.queue_result(QR::kBounced, r.bounced);
  for (const QueueId& q : r.queued) {
    Known& k = known_[q];
    k.due = 0;
    k.arrival = now();
  }
  if (r.gone) {
    known_.erase(id);
  } else {
    Known& k = known_[id];
    k.due = r.due;
    if (r.waiting_for_transport && transport_) k.due = std::min(k.due, now());
    if (r.arrival != 0) k.arrival = r.arrival;
    if (k.remove_pending) {
      // Deleted by the admin while this pass ran: the pass is recorded, now remove it.
      return remove_now(id);
    }
    if (r.entry && transport_) {
      hand_to_transport(std::move(*r.entry), std::move(r.remote_due));
      return run_due();  // stays busy until the transport answers
    }
    k.busy = false;
  }
  run_due();
}

void Manager::hand_to_transport(Entry entry, std::vector<std::size_t> indexes) {
  std::map<std::string, DeliveryJob> by_domain;
  for (std::size_t i : indexes) {
    const Recipient& r = entry.recipients[i];
    DeliveryJob& job = by_domain[domain_of(r.address)];
    job.id = entry.id;
    job.envelope = entry.envelope;
    job.domain = domain_of(r.address);
    job.recipients.push_back(r);
    job.indexes.push_back(i);
    job.message_path = entry.message_file;
    job.message_offset = entry.message_offset;
    job.message_size = entry.message_size;
  }
  struct Pending {
    std::size_t left = 0;
    std::vector<std::pair<DeliveryJob, std::vector<Outcome>>> results;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = by_domain.size();
  QueueId id = entry.id;
  std::weak_ptr<bool> alive = alive_;
  Executor* exec = options_.executor;
  for (auto& [domain, job] : by_domain) {
    auto shared_job = std::make_shared<DeliveryJob>(std::move(job));
    transport_->deliver(*shared_job, [this, alive, exec, pending, shared_job,
                                      id](std::vector<Outcome> outcomes) {
      exec->post([this, alive, pending, shared_job, id, outcomes = std::move(outcomes)]() mutable {
        auto a = alive.lock();
        if (!a || !*a) return;
        pending->results.emplace_back(std::move(*shared_job), std::move(outcomes));
        if (--pending->left == 0) apply_outcomes(id, std::move(pending->results));
      });
    });
  }
}

void Manager::apply_outcomes(const QueueId& id,
                             std::vector<std::pair<DeliveryJob, std::vector<Outcome>>> results) {
  ++jobs_;
  auto result = std::make_shared<PassResult>();
  auto shared = std::make_shared<decltype(results)>(std::move(results));
  Queue* q = options_.queue;
  std::shared_ptr<const Schedule> schedule = options_.schedule;
  std::string host = options_.config()->server.hostname;
  std::int64_t t = now();
  std::weak_ptr<bool> alive = alive_;
  options_.executor->run_blocking(
      [q, schedule, host, t, id, shared, result] {
        auto loaded = q->load(id);
        if (!loaded.ok()) {
          result->gone = loaded.status().code() == maildir::Code::kNotFound;
          result->due = kNever;
          return;
        }
        Entry e = std::move(loaded).value();
        result->arrival = e.envelope.arrival;
        Pass pass(*q, *schedule, host, t);
        for (auto& [job, outcomes] : *shared) {
          for (std::size_t k = 0; k < job.indexes.size(); ++k) {
            std::size_t i = job.indexes[k];
            if (i >= e.recipients.size() || e.recipients[i].final()) continue;
            Outcome o = k < outcomes.size()
                            ? outcomes[k]
                            : Outcome{Outcome::Kind::kDeferred, "451 4.4.0 No outcome", ""};
            if (o.kind == Outcome::Kind::kDelivered) {
              pass.delivered(e, i, o.reply, o.remote_mta, o.dsn_passed);
            } else if (o.kind == Outcome::Kind::kBounced) {
              pass.bounced(e, i, o.reply, o.remote_mta);
            } else {
              pass.deferred(e, i, o.reply, o.remote_mta);
            }
          }
        }
        if (!pass.commit(e)) {
          result->due = t + kDsnRetry;
          return;
        }
        result->queued = pass.queued;
        result->delivered = pass.delivered_;
        result->deferred = pass.deferred_;
        result->bounced = pass.bounced_;
        if (pass.removed()) {
          result->gone = true;
          return;
        }
        // The next pass re-resolves every recipient; remote ones are due at next_attempt.
        std::vector<bool> none(e.recipients.size(), false);
        result->due = due_of(e, none, true);
      },
      [this, alive, id, result] {
        auto a = alive.lock();
        if (!a || !*a) return;
        --jobs_;
        finish(id, *result);
      });
}

}  // namespace tegami_queue
