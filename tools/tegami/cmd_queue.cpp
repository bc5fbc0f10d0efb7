// `tegami queue list|show|flush|retry|delete` — the mail queue, like Postfix's postqueue -p /
// postcat -q / postqueue -f / postqueue -i / postsuper -d.
//
// list and show read the queue directory (server.queue_dir) directly, without touching it
// (Queue::attach): they work whether tegamid runs or not. flush, retry and delete ask the
// running tegamid over its control socket, so that its queue manager acts at once and a
// delete never races a delivery in progress (the manager removes the entry when the running
// attempt has been recorded). When tegamid is not running they change the files themselves:
// flush/retry make the deferred recipients due (state lines with next attempt 0, honoured at
// the next start), delete removes the entry.
//
// Exit codes: 0 done; 1 failure (unknown id, unreadable queue, daemon error); 2 usage.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "config/load.h"
#include "control/client.h"
#include "dkim/canon.h"
#include "json_text.h"
#include "queue/queue.h"

namespace tegami_cli {
namespace {

using tegami_queue::Entry;
using tegami_queue::Queue;
using tegami_queue::QueueId;
using tegami_queue::Recipient;

constexpr std::size_t kShowHeaderMax = 256 * 1024;
constexpr auto kDeleteWait = std::chrono::seconds(15);

struct QueueArgs {
  bool json = false;
  std::string socket;
  std::vector<std::string> rest;
};

bool parse_args(const Invocation& inv, QueueArgs& out) {
  for (std::size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    if (a == "--json") {
      out.json = true;
    } else if (a == "--socket" && i + 1 < inv.args.size()) {
      out.socket = inv.args[++i];
    } else if (a.rfind("--", 0) == 0) {
      return false;
    } else {
      out.rest.push_back(a);
    }
  }
  return true;
}

struct Context {
  std::shared_ptr<const tegami::config::Config> config;
  std::unique_ptr<Queue> queue;  // null: the directory does not exist (an empty queue)
  std::string socket;
};

// Loads the config and attaches to its queue; false after printing why.
bool open_context(const Invocation& inv, const QueueArgs& args, Context& out) {
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  tegami::config::LoadResult r = tegami::config::load_config(inv.config_path, options);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return false;
  }
  out.config = r.config;
  const auto& server = out.config->server;
  out.socket = !args.socket.empty() ? args.socket
               : server.control_socket.empty()
                   ? tegami::control::default_socket_path(server.mail_root)
                   : server.control_socket;
  auto q = Queue::attach(server.queue_dir);
  if (q.ok()) {
    out.queue = std::move(q).value();
  } else if (q.status().code() != maildir::Code::kNotFound) {
    std::fprintf(stderr, "tegami: queue %s: %s\n", server.queue_dir.c_str(),
                 q.status().to_string().c_str());
    return false;
  }
  return true;
}

std::string age_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400)
    return std::to_string(seconds / 3600) + "h" +
           (seconds % 3600 >= 60 ? std::to_string(seconds % 3600 / 60) + "m" : "");
  return std::to_string(seconds / 86400) + "d" +
         (seconds % 86400 >= 3600 ? std::to_string(seconds % 86400 / 3600) + "h" : "");
}

std::string utc(std::int64_t t) {
  if (t <= 0) return "-";
  time_t secs = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string sender_text(const Entry& e) {
  return e.envelope.sender.empty() ? "<>" : e.envelope.sender;
}

std::string recipient_json(const Recipient& r) {
  return "{\"address\": " + json_string(r.address) +
         ", \"state\": " + json_string(std::string(tegami_queue::state_name(r.state))) +
         ", \"attempts\": " + std::to_string(r.attempts) +
         ", \"next_attempt\": " + std::to_string(r.next_attempt) +
         ", \"remote_mta\": " + json_string(r.remote_mta) +
         ", \"last_reply\": " + json_string(r.last_reply) + "}";
}

std::string entry_json(const Entry& e, std::uint64_t size, std::int64_t now) {
  std::string rcpts;
  for (const Recipient& r : e.recipients) rcpts += (rcpts.empty() ? "" : ", ") + recipient_json(r);
  return "{\"id\": " + json_string(e.id) + ", \"arrival\": " + std::to_string(e.envelope.arrival) +
         ", \"age\": " + std::to_string(std::max<std::int64_t>(0, now - e.envelope.arrival)) +
         ", \"size\": " + std::to_string(size) + ", \"sender\": " + json_string(e.envelope.sender) +
         ", \"auth\": " + json_string(e.envelope.auth_user) +
         ", \"dsn\": " + (e.envelope.is_dsn ? "true" : "false") + ", \"recipients\": [" + rcpts +
         "]}";
}

void print_entry_text(const Entry& e, std::uint64_t size, std::int64_t now) {
  std::printf("%-44s %6s %9llu  %s%s\n", e.id.c_str(), age_text(now - e.envelope.arrival).c_str(),
              static_cast<unsigned long long>(size), sender_text(e).c_str(),
              e.envelope.is_dsn ? "  (DSN)" : "");
  for (const Recipient& r : e.recipients) {
    std::string state(tegami_queue::state_name(r.state));
    std::string when;
    if (!r.final() && r.next_attempt > now) when = ", next in " + age_text(r.next_attempt - now);
    std::printf("    %-40s %s (%u attempt%s%s)\n", r.address.c_str(), state.c_str(), r.attempts,
                r.attempts == 1 ? "" : "s", when.c_str());
    if (!r.last_reply.empty()) {
      std::printf("        %s%s%s\n", r.remote_mta.empty() ? "" : r.remote_mta.c_str(),
                  r.remote_mta.empty() ? "" : ": ", r.last_reply.c_str());
    }
  }
}

// The entries, oldest first; unreadable ones are reported on stderr.
std::vector<Entry> load_all(const Queue& q, bool& failed) {
  std::vector<Entry> out;
  auto ids = q.list();
  if (!ids.ok()) {
    std::fprintf(stderr, "tegami: %s\n", ids.status().to_string().c_str());
    failed = true;
    return out;
  }
  for (const QueueId& id : *ids) {
    auto e = q.load(id);
    if (e.ok()) {
      out.push_back(std::move(e).value());
    } else if (e.status().code() != maildir::Code::kNotFound) {  // removed meanwhile: skip
      std::fprintf(stderr, "tegami: %s: %s\n", id.c_str(), e.status().to_string().c_str());
      failed = true;
    }
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return a.envelope.arrival != b.envelope.arrival ? a.envelope.arrival < b.envelope.arrival
                                                    : a.id < b.id;
  });
  return out;
}

int run_list(const Invocation& inv) {
  QueueArgs args;
  if (!parse_args(inv, args) || !args.rest.empty()) return usage_error("queue list");
  Context ctx;
  if (!open_context(inv, args, ctx)) return 1;
  bool failed = false;
  std::vector<Entry> entries;
  if (ctx.queue) entries = load_all(*ctx.queue, failed);
  std::int64_t now = ::time(nullptr);
  std::uint64_t total = 0;
  std::string json;
  for (const Entry& e : entries) {
    std::uint64_t bytes = e.message_size;
    total += bytes;
    if (args.json) {
      json += (json.empty() ? "" : ",\n  ") + entry_json(e, bytes, now);
    } else {
      print_entry_text(e, bytes, now);
    }
  }
  if (args.json) {
    std::printf("{\"entries\": [%s%s%s], \"count\": %zu, \"bytes\": %llu}\n",
                json.empty() ? "" : "\n  ", json.c_str(), json.empty() ? "" : "\n", entries.size(),
                static_cast<unsigned long long>(total));
  } else if (entries.empty()) {
    std::printf("Mail queue is empty\n");
  } else {
    std::printf("-- %llu KB in %zu message%s\n",
                static_cast<unsigned long long>((total + 1023) / 1024), entries.size(),
                entries.size() == 1 ? "" : "s");
  }
  return failed ? 1 : 0;
}

int run_show(const Invocation& inv) {
  QueueArgs args;
  if (!parse_args(inv, args) || args.rest.size() != 1) return usage_error("queue show");
  Context ctx;
  if (!open_context(inv, args, ctx)) return 1;
  const QueueId& id = args.rest[0];
  if (!ctx.queue || !tegami_queue::valid_id(id)) {
    std::fprintf(stderr, "tegami: no queue entry %s\n", id.c_str());
    return 1;
  }
  auto e = ctx.queue->load(id);
  if (!e.ok()) {
    std::fprintf(stderr, "tegami: %s: %s\n", id.c_str(),
                 e.status().code() == maildir::Code::kNotFound ? "no such queue entry"
                                                               : e.status().to_string().c_str());
    return 1;
  }
  std::uint64_t bytes = e->message_size;
  // The message header (never the whole message: it can be 20 MB).
  std::string head;
  auto text = ctx.queue->read_message(*e, 0);
  if (text.ok()) {
    std::size_t end = tegami_dkim::header_end(*text);
    head = text->substr(0, std::min(end == std::string::npos ? text->size() : end, kShowHeaderMax));
  }
  std::int64_t now = ::time(nullptr);
  if (args.json) {
    std::string j = entry_json(*e, bytes, now);
    j.pop_back();
    std::string envid = e->envelope.envid.value_or("");
    std::printf("%s, \"envid\": %s, \"header\": %s}\n", j.c_str(), json_string(envid).c_str(),
                json_string(head).c_str());
    return 0;
  }
  std::printf("id: %s\narrival: %s (%s ago)\nsize: %llu\nsender: %s\n", id.c_str(),
              utc(e->envelope.arrival).c_str(), age_text(now - e->envelope.arrival).c_str(),
              static_cast<unsigned long long>(bytes), sender_text(*e).c_str());
  if (!e->envelope.auth_user.empty()) std::printf("auth: %s\n", e->envelope.auth_user.c_str());
  if (e->envelope.envid) std::printf("envid: %s\n", e->envelope.envid->c_str());
  if (e->envelope.is_dsn) std::printf("dsn: yes\n");
  std::printf("recipients:\n");
  for (const Recipient& r : e->recipients) {
    std::printf("  %s: %s, %u attempt%s", r.address.c_str(),
                std::string(tegami_queue::state_name(r.state)).c_str(), r.attempts,
                r.attempts == 1 ? "" : "s");
    if (!r.final() && r.next_attempt > 0) std::printf(", next %s", utc(r.next_attempt).c_str());
    std::printf("\n");
    if (!r.last_reply.empty())
      std::printf("    last reply%s%s: %s\n", r.remote_mta.empty() ? "" : " from ",
                  r.remote_mta.c_str(), r.last_reply.c_str());
  }
  std::printf("\n");
  std::fwrite(head.data(), 1, head.size(), stdout);
  return 0;
}

// Asks tegamid; 0/1 when it answered, -1 when it is not running.
int ask_daemon(const Context& ctx, const std::string& line) {
  auto answer = tegami::control::request(ctx.socket, line);
  if (!answer.ok()) {
    if (answer.status().code() == maildir::Code::kNotFound) return -1;
    std::fprintf(stderr, "tegami: %s\n", answer.status().message().c_str());
    return 1;
  }
  tegami::control::Request req = tegami::control::parse_request(line);
  tegami::control::RenderedAnswer r = tegami::control::render_answer(req.kind, *answer);
  if (!r.ok) {
    std::fputs(r.text.c_str(), stderr);
    return 1;
  }
  return 0;
}

// Offline flush/retry: every deferred or pending recipient of `id` is due now.
bool make_due(Queue& q, const QueueId& id) {
  auto e = q.load(id);
  if (!e.ok()) {
    std::fprintf(stderr, "tegami: %s: %s\n", id.c_str(), e.status().to_string().c_str());
    return false;
  }
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < e->recipients.size(); ++i) {
    Recipient& r = e->recipients[i];
    if (r.final() || r.next_attempt == 0) continue;
    r.next_attempt = 0;
    changed.push_back(i);
  }
  maildir::Status s = q.record(*e, changed);
  if (!s.ok()) {
    std::fprintf(stderr, "tegami: %s: %s\n", id.c_str(), s.to_string().c_str());
    return false;
  }
  return true;
}

bool entry_exists(const Context& ctx, const QueueId& id) {
  return ctx.queue && ctx.queue->exists(id);
}

int run_flush(const Invocation& inv) {
  QueueArgs args;
  if (!parse_args(inv, args) || !args.rest.empty()) return usage_error("queue flush");
  Context ctx;
  if (!open_context(inv, args, ctx)) return 1;
  int rc = ask_daemon(ctx, "queue flush");
  if (rc >= 0) {
    if (rc == 0) std::printf("tegamid is delivering every queued message now\n");
    return rc;
  }
  bool failed = false;
  std::size_t n = 0;
  if (ctx.queue) {
    auto ids = ctx.queue->list();
    if (!ids.ok()) {
      std::fprintf(stderr, "tegami: %s\n", ids.status().to_string().c_str());
      return 1;
    }
    for (const QueueId& id : *ids) {
      if (make_due(*ctx.queue, id)) {
        ++n;
      } else {
        failed = true;
      }
    }
  }
  std::printf("tegamid is not running: %zu message%s will be tried as soon as it starts\n", n,
              n == 1 ? "" : "s");
  return failed ? 1 : 0;
}

int run_retry(const Invocation& inv) {
  QueueArgs args;
  if (!parse_args(inv, args) || args.rest.size() != 1) return usage_error("queue retry");
  Context ctx;
  if (!open_context(inv, args, ctx)) return 1;
  const QueueId& id = args.rest[0];
  if (!entry_exists(ctx, id)) {
    std::fprintf(stderr, "tegami: no queue entry %s\n", id.c_str());
    return 1;
  }
  int rc = ask_daemon(ctx, "queue retry " + id);
  if (rc >= 0) {
    if (rc == 0) std::printf("tegamid is delivering %s now\n", id.c_str());
    return rc;
  }
  if (!make_due(*ctx.queue, id)) return 1;
  std::printf("tegamid is not running: %s will be tried as soon as it starts\n", id.c_str());
  return 0;
}

int run_delete(const Invocation& inv) {
  QueueArgs args;
  if (!parse_args(inv, args) || args.rest.size() != 1) return usage_error("queue delete");
  Context ctx;
  if (!open_context(inv, args, ctx)) return 1;
  const QueueId& id = args.rest[0];
  if (!entry_exists(ctx, id)) {
    std::fprintf(stderr, "tegami: no queue entry %s\n", id.c_str());
    return 1;
  }
  int rc = ask_daemon(ctx, "queue delete " + id);
  if (rc > 0) return rc;
  if (rc == 0) {
    // The manager removes it now, or when the delivery attempt running for it is recorded.
    auto deadline = std::chrono::steady_clock::now() + kDeleteWait;
    while (ctx.queue->exists(id) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (ctx.queue->exists(id)) {
      std::printf("%s: a delivery attempt is running; it is deleted when that ends\n", id.c_str());
    } else {
      std::printf("%s: deleted\n", id.c_str());
    }
    return 0;
  }
  maildir::Status s = ctx.queue->remove(id);
  if (!s.ok()) {
    std::fprintf(stderr, "tegami: %s: %s\n", id.c_str(), s.to_string().c_str());
    return 1;
  }
  std::printf("%s: deleted\n", id.c_str());
  return 0;
}

Register list_cmd{{"queue list", "[--json]",
                   "queued messages: id, age, size, sender, recipients with state and last error",
                   &run_list}};
Register show_cmd{{"queue show", "<id> [--json]",
                   "one queued message: envelope, recipients' state, the message header",
                   &run_show}};
Register flush_cmd{{"queue flush", "[--socket PATH]",
                    "make tegamid try every queued message now (deferred ones included)",
                    &run_flush}};
Register retry_cmd{
    {"queue retry", "<id> [--socket PATH]", "make tegamid try one message now", &run_retry}};
Register delete_cmd{{"queue delete", "<id> [--socket PATH]",
                     "remove a message from the queue (no bounce), safely against a delivery "
                     "in progress",
                     &run_delete}};

}  // namespace
}  // namespace tegami_cli
