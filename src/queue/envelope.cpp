#include "queue/envelope.h"

#include <algorithm>
#include <charconv>

namespace tegami_queue {

using maildir::Code;
using maildir::Result;
using maildir::Status;
using tegami_smtp::decode_xtext;
using tegami_smtp::encode_xtext;

namespace {

constexpr std::string_view kMagic = "tegami-queue 2";
constexpr std::string_view kMagicV1 = "tegami-queue 1";
// A recipient index beyond this is corrupt (the SMTP limit is far below).
constexpr std::size_t kMaxRecipients = 100000;

Status corrupt(std::size_t line_no, std::string_view what) {
  return Status(Code::kCorrupt,
                "queue envelope line " + std::to_string(line_no) + ": " + std::string(what));
}

// "-" stands for the empty value, so a value that is itself "-" is written "+2D".
std::string xtext_or_dash(std::string_view s) {
  if (s.empty()) return "-";
  if (s == "-") return "+2D";
  return encode_xtext(s);
}

std::optional<std::string> from_xtext_or_dash(std::string_view s) {
  if (s == "-") return std::string();
  return decode_xtext(s);
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= line.size()) {
    std::size_t sp = line.find(' ', i);
    if (sp == std::string_view::npos) sp = line.size();
    out.push_back(line.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

template <class T>
bool parse_int(std::string_view s, T& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string notify_text(const Recipient& r) {
  if (!r.has_notify) return "-";
  if (r.notify == 0) return "never";
  std::string s;
  auto add = [&s](const char* w) {
    if (!s.empty()) s += ',';
    s += w;
  };
  if (r.notify & tegami_smtp::kNotifySuccess) add("success");
  if (r.notify & tegami_smtp::kNotifyFailure) add("failure");
  if (r.notify & tegami_smtp::kNotifyDelay) add("delay");
  return s;
}

bool parse_notify(std::string_view s, Recipient& r) {
  if (s == "-") return true;
  r.has_notify = true;
  if (s == "never") return true;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t c = s.find(',', i);
    if (c == std::string_view::npos) c = s.size();
    std::string_view w = s.substr(i, c - i);
    unsigned bit = w == "success"   ? unsigned{tegami_smtp::kNotifySuccess}
                   : w == "failure" ? tegami_smtp::kNotifyFailure
                   : w == "delay"   ? tegami_smtp::kNotifyDelay
                                    : 0u;
    if (bit == 0 || (r.notify & bit)) return false;
    r.notify |= bit;
    i = c + 1;
  }
  return true;
}

std::optional<RcptState> parse_state(std::string_view s) {
  for (RcptState st :
       {RcptState::kPending, RcptState::kDelivered, RcptState::kDeferred, RcptState::kBounced})
    if (s == state_name(st)) return st;
  return std::nullopt;
}

bool has_bad_byte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

}  // namespace

std::string_view state_name(RcptState s) {
  switch (s) {
    case RcptState::kPending:
      return "pending";
    case RcptState::kDelivered:
      return "delivered";
    case RcptState::kDeferred:
      return "deferred";
    case RcptState::kBounced:
      return "bounced";
  }
  return "pending";
}

bool Entry::done() const {
  return std::all_of(recipients.begin(), recipients.end(),
                     [](const Recipient& r) { return r.final(); });
}

Result<std::string> format_head(const Envelope& e, const std::vector<Recipient>& recipients) {
  if (recipients.empty()) return Status(Code::kInvalidArgument, "queue entry without recipients");
  for (const Recipient& r : recipients)
    if (r.address.empty() || has_bad_byte(r.address))
      return Status(Code::kInvalidArgument, "bad recipient address");
  std::string s(kMagic);
  s += "\narrival " + std::to_string(e.arrival) + "\n";
  s += "sender " + encode_xtext(e.sender) + "\n";
  if (e.envid) s += "envid " + encode_xtext(*e.envid) + "\n";
  if (e.ret != tegami_smtp::Ret::kUnset)
    s += e.ret == tegami_smtp::Ret::kFull ? "ret full\n" : "ret hdrs\n";
  if (e.body != tegami_smtp::Body::kUnset)
    s += e.body == tegami_smtp::Body::k8BitMime ? "body 8bitmime\n" : "body 7bit\n";
  if (e.smtputf8) s += "smtputf8\n";
  if (!e.auth_user.empty()) s += "auth " + encode_xtext(e.auth_user) + "\n";
  if (e.is_dsn) s += "dsn\n";
  for (const Recipient& r : recipients)
    s += "rcpt " + encode_xtext(r.address) + " " + notify_text(r) + " " + xtext_or_dash(r.orcpt) +
         "\n";
  s += "end\n";
  return s;
}

std::string format_current_states(const std::vector<Recipient>& recipients) {
  // Recipients in a state other than the initial one get their state line.
  std::string s;
  for (std::size_t i = 0; i < recipients.size(); ++i)
    if (!(recipients[i].state == RcptState::kPending && recipients[i].attempts == 0 &&
          recipients[i].next_attempt == 0 && !recipients[i].delay_notified &&
          recipients[i].remote_mta.empty() && recipients[i].last_reply.empty()))
      s += format_state(i, recipients[i]);
  return s;
}

Result<std::string> format_envelope(const Envelope& e, const std::vector<Recipient>& recipients) {
  Result<std::string> head = format_head(e, recipients);
  if (!head.ok()) return head;
  return *head + format_current_states(recipients);
}

std::string format_state(std::size_t index, const Recipient& r) {
  return "state " + std::to_string(index) + " " + std::string(state_name(r.state)) + " " +
         std::to_string(r.attempts) + " " + std::to_string(r.next_attempt) + " " +
         (r.delay_notified ? "d" : "-") + " " + xtext_or_dash(r.remote_mta) + " " +
         xtext_or_dash(r.last_reply) + "\n";
}

Result<Entry> parse_envelope(std::string_view text, const QueueId& id) {
  Entry entry;
  entry.id = id;
  Envelope& e = entry.envelope;
  enum class Part { kMagic, kHeader, kState } part = Part::kMagic;
  bool have_arrival = false, have_sender = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      // A torn append: only acceptable after the initial block.
      if (part != Part::kState) return corrupt(line_no + 1, "truncated");
      break;
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (part == Part::kMagic) {
      if (line == kMagicV1) {
        entry.version = 1;
      } else if (line != kMagic) {
        return corrupt(line_no, "not a tegami queue file");
      }
      part = Part::kHeader;
      continue;
    }
    std::vector<std::string_view> f = split_spaces(line);
    std::string_view key = f[0];
    if (part == Part::kHeader) {
      if (key == "end" && f.size() == 1) {
        if (!have_arrival || !have_sender || entry.recipients.empty())
          return corrupt(line_no, "incomplete envelope");
        part = Part::kState;
      } else if (key == "arrival" && f.size() == 2 && !have_arrival) {
        if (!parse_int(f[1], e.arrival)) return corrupt(line_no, "bad arrival");
        have_arrival = true;
      } else if (key == "sender" && f.size() == 2 && !have_sender) {
        auto v = decode_xtext(f[1]);
        if (!v) return corrupt(line_no, "bad sender");
        e.sender = std::move(*v);
        have_sender = true;
      } else if (key == "envid" && f.size() == 2 && !e.envid) {
        e.envid = decode_xtext(f[1]);
        if (!e.envid) return corrupt(line_no, "bad envid");
      } else if (key == "ret" && f.size() == 2 && e.ret == tegami_smtp::Ret::kUnset &&
                 (f[1] == "full" || f[1] == "hdrs")) {
        e.ret = f[1] == "full" ? tegami_smtp::Ret::kFull : tegami_smtp::Ret::kHdrs;
      } else if (key == "body" && f.size() == 2 && e.body == tegami_smtp::Body::kUnset &&
                 (f[1] == "7bit" || f[1] == "8bitmime")) {
        e.body = f[1] == "7bit" ? tegami_smtp::Body::k7Bit : tegami_smtp::Body::k8BitMime;
      } else if (key == "smtputf8" && f.size() == 1 && !e.smtputf8) {
        e.smtputf8 = true;
      } else if (key == "auth" && f.size() == 2 && e.auth_user.empty()) {
        auto v = decode_xtext(f[1]);
        if (!v || v->empty()) return corrupt(line_no, "bad auth");
        e.auth_user = std::move(*v);
      } else if (key == "dsn" && f.size() == 1 && !e.is_dsn) {
        e.is_dsn = true;
      } else if (key == "rcpt" && f.size() == 4) {
        if (entry.recipients.size() >= kMaxRecipients) return corrupt(line_no, "too many rcpt");
        Recipient r;
        auto addr = decode_xtext(f[1]);
        auto orcpt = from_xtext_or_dash(f[3]);
        if (!addr || addr->empty() || has_bad_byte(*addr) || !orcpt || !parse_notify(f[2], r))
          return corrupt(line_no, "bad rcpt");
        r.address = std::move(*addr);
        r.orcpt = std::move(*orcpt);
        entry.recipients.push_back(std::move(r));
      } else {
        return corrupt(line_no, "unexpected line");
      }
      continue;
    }
    // State lines.
    std::size_t index = 0;
    if (key != "state" || f.size() != 8 || !parse_int(f[1], index) ||
        index >= entry.recipients.size())
      return corrupt(line_no, "bad state line");
    Recipient r = entry.recipients[index];
    auto st = parse_state(f[2]);
    auto mta = from_xtext_or_dash(f[6]);
    auto rep = from_xtext_or_dash(f[7]);
    if (!st || !parse_int(f[3], r.attempts) || !parse_int(f[4], r.next_attempt) ||
        (f[5] != "-" && f[5] != "d") || !mta || !rep)
      return corrupt(line_no, "bad state line");
    r.state = *st;
    r.delay_notified = f[5] == "d";
    r.remote_mta = std::move(*mta);
    r.last_reply = std::move(*rep);
    entry.recipients[index] = std::move(r);
  }
  if (part != Part::kState) return corrupt(line_no, "incomplete envelope");
  return entry;
}

}  // namespace tegami_queue
