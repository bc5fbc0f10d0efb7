#include "control/protocol.h"

#include <strings.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace tegami::control {

namespace {
using nlohmann::json;

std::string dump_line(const json& j) {
  // replace: invalid UTF-8 becomes U+FFFD instead of throwing.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool word_is(std::string_view word, std::string_view expected) {
  return word.size() == expected.size() &&
         strncasecmp(word.data(), expected.data(), word.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

std::string format_utc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Request parse_request(std::string_view line) {
  Request r;
  if (line.size() > kMaxRequestLine) {
    r.argument = "request line too long";
    return r;
  }
  line = trim(line);
  std::size_t sp = line.find_first_of(" \t");
  std::string_view word = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
  if (word.empty()) {
    r.argument = "empty request";
  } else if (word_is(word, "who")) {
    if (rest.empty()) {
      r.kind = Request::Kind::kWho;
    } else {
      r.argument = "usage: who";
    }
  } else if (word_is(word, "reload")) {
    if (rest.empty()) {
      r.kind = Request::Kind::kReload;
    } else {
      r.argument = "usage: reload";
    }
  } else if (word_is(word, "kick")) {
    if (rest.empty() || rest.find_first_of(" \t") != std::string_view::npos) {
      r.argument = "usage: kick <user>";
    } else {
      r.kind = Request::Kind::kKick;
      r.argument = std::string(rest);
    }
  } else if (word_is(word, "queue")) {
    std::size_t sp2 = rest.find_first_of(" \t");
    std::string_view sub = rest.substr(0, sp2);
    std::string_view id =
        sp2 == std::string_view::npos ? std::string_view() : trim(rest.substr(sp2));
    bool one_word = !id.empty() && id.find_first_of(" \t") == std::string_view::npos;
    if (word_is(sub, "flush") && id.empty()) {
      r.kind = Request::Kind::kQueueFlush;
    } else if ((word_is(sub, "retry") || word_is(sub, "delete")) && one_word) {
      r.kind = word_is(sub, "retry") ? Request::Kind::kQueueRetry : Request::Kind::kQueueDelete;
      r.argument = std::string(id);
    } else {
      r.argument = "usage: queue flush | queue retry <id> | queue delete <id>";
    }
  } else {
    r.argument = "unknown command";
  }
  return r;
}

std::string error_response(std::string_view message) {
  return dump_line(json{{"ok", false}, {"error", std::string(message)}});
}

std::string handle_request(std::string_view line, Backend& backend) {
  Request r = parse_request(line);
  switch (r.kind) {
    case Request::Kind::kWho: {
      json sessions = json::array();
      for (const SessionInfo& s : backend.sessions()) {
        sessions.push_back({{"id", s.id},
                            {"protocol", s.protocol},
                            {"listener", s.listener},
                            {"user", s.user},
                            {"client", s.client},
                            {"tls", s.tls},
                            {"since", format_utc(s.since)}});
      }
      return dump_line(json{{"ok", true}, {"sessions", std::move(sessions)}});
    }
    case Request::Kind::kKick: {
      std::size_t n = backend.kick(r.argument);
      return dump_line(json{{"ok", true}, {"user", r.argument}, {"kicked", n}});
    }
    case Request::Kind::kReload: {
      ReloadOutcome o = backend.reload();
      if (o.ok) return dump_line(json{{"ok", true}, {"warnings", o.warnings}});
      return dump_line(json{{"ok", false},
                            {"error", "configuration has errors; the running one is kept"},
                            {"errors", o.errors},
                            {"warnings", o.warnings}});
    }
    case Request::Kind::kQueueFlush:
    case Request::Kind::kQueueRetry:
    case Request::Kind::kQueueDelete: {
      Backend::QueueAction a = r.kind == Request::Kind::kQueueFlush ? Backend::QueueAction::kFlush
                               : r.kind == Request::Kind::kQueueRetry
                                   ? Backend::QueueAction::kRetry
                                   : Backend::QueueAction::kDelete;
      std::string error = backend.queue_action(a, r.argument);
      if (!error.empty()) return error_response(error);
      const char* name = a == Backend::QueueAction::kFlush   ? "flush"
                         : a == Backend::QueueAction::kRetry ? "retry"
                                                             : "delete";
      json j{{"ok", true}, {"queue", name}};
      if (a != Backend::QueueAction::kFlush) j["id"] = r.argument;
      return dump_line(j);
    }
    case Request::Kind::kInvalid:
      break;
  }
  return error_response(r.argument);
}

}  // namespace tegami::control
