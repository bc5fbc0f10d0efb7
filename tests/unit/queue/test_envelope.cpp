// The env/<id> text format: round trips, appended state lines, torn appends, corrupt files.
#include <doctest/doctest.h>

#include "queue/envelope.h"

using namespace tegami_queue;

namespace {

Envelope sample_envelope() {
  Envelope e;
  e.sender = "alice@example.jp";
  e.envid = "QQ314159 x+y=z";
  e.ret = tegami_smtp::Ret::kHdrs;
  e.body = tegami_smtp::Body::k8BitMime;
  e.smtputf8 = true;
  e.arrival = 1764000000;
  e.auth_user = "alice@example.jp";
  return e;
}

std::vector<Recipient> sample_recipients() {
  Recipient a;
  a.address = "bob@remote.example";
  a.orcpt = "rfc822;Bob@remote.example";
  a.has_notify = true;
  a.notify = tegami_smtp::kNotifyFailure | tegami_smtp::kNotifyDelay;
  Recipient b;
  b.address = "\"odd person\"@remote.example";
  Recipient c;
  c.address = "never@remote.example";
  c.has_notify = true;
  c.notify = 0;
  return {a, b, c};
}

}  // namespace

TEST_CASE("envelope round trip keeps every field") {
  auto text = format_envelope(sample_envelope(), sample_recipients());
  REQUIRE(text.ok());
  CHECK(text->find('\r') == std::string::npos);
  auto entry = parse_envelope(*text, "id1");
  REQUIRE(entry.ok());
  CHECK(entry->id == "id1");
  CHECK(entry->envelope == sample_envelope());
  CHECK(entry->recipients == sample_recipients());
  CHECK_FALSE(entry->done());
}

TEST_CASE("null sender and minimal envelope") {
  Envelope e;
  e.arrival = 5;
  e.is_dsn = true;
  Recipient r;
  r.address = "a@b.example";
  auto text = format_envelope(e, {r});
  REQUIRE(text.ok());
  auto entry = parse_envelope(*text);
  REQUIRE(entry.ok());
  CHECK(entry->envelope.sender.empty());
  CHECK(entry->envelope.is_dsn);
  CHECK_FALSE(entry->envelope.envid.has_value());
  CHECK(entry->recipients.size() == 1);
}

TEST_CASE("state lines: the last one for a recipient wins") {
  auto recipients = sample_recipients();
  auto text = format_envelope(sample_envelope(), recipients);
  REQUIRE(text.ok());
  Recipient r = recipients[0];
  r.state = RcptState::kDeferred;
  r.attempts = 1;
  r.next_attempt = 1764000300;
  r.remote_mta = "mx.remote.example";
  r.last_reply = "451 4.7.1 Greylisted - try later";
  std::string s = *text + format_state(0, r);
  r.state = RcptState::kDelivered;
  r.attempts = 2;
  r.delay_notified = true;
  r.last_reply = "250 2.0.0 Ok: queued as 42";
  s += format_state(0, r);
  Recipient b = recipients[1];
  b.state = RcptState::kBounced;
  b.last_reply = "-";  // a value that is the placeholder itself
  s += format_state(1, b);
  auto entry = parse_envelope(s);
  REQUIRE(entry.ok());
  CHECK(entry->recipients[0] == r);
  CHECK(entry->recipients[1] == b);
  CHECK(entry->recipients[2] == recipients[2]);
}

TEST_CASE("a torn last state line is ignored, a torn header is corrupt") {
  auto text = format_envelope(sample_envelope(), sample_recipients());
  REQUIRE(text.ok());
  Recipient r = sample_recipients()[0];
  r.state = RcptState::kDelivered;
  std::string line = format_state(0, r);
  auto torn = parse_envelope(*text + line.substr(0, line.size() - 1));
  REQUIRE(torn.ok());
  CHECK(torn->recipients[0].state == RcptState::kPending);
  for (std::size_t cut = 0; cut < text->size(); ++cut) {
    auto e = parse_envelope(std::string_view(*text).substr(0, cut));
    CHECK_FALSE(e.ok());
    CHECK(e.status().code() == maildir::Code::kCorrupt);
  }
}

TEST_CASE("malformed files are corrupt") {
  const char* bad[] = {
      "",
      "tegami-queue 3\narrival 1\nsender \nrcpt a@b - -\nend\n",
      "tegami-queue 1\narrival 1\nsender \nend\n",     // no rcpt
      "tegami-queue 1\nsender \nrcpt a@b - -\nend\n",  // no arrival
      "tegami-queue 1\narrival x\nsender \nrcpt a@b - -\nend\n",
      "tegami-queue 1\narrival 1\narrival 1\nsender \nrcpt a@b - -\nend\n",
      "tegami-queue 1\narrival 1\nsender a b\nrcpt a@b - -\nend\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b bogus -\nend\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b failure,failure -\nend\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt +ZZ - -\nend\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nstate 1 pending 0 0 - - -\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nstate 0 lost 0 0 - - -\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nstate 0 pending 01 0 - - -\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nstate 0 pending 0 0 x - -\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nrcpt c@d - -\n",
      "tegami-queue 1\narrival 1\nsender \nrcpt a@b - -\nend\nstate 0 pending 0 0 - a b c\n",
  };
  for (const char* t : bad) {
    CAPTURE(t);
    CHECK(parse_envelope(t).status().code() == maildir::Code::kCorrupt);
  }
}

TEST_CASE("format refuses what the file cannot hold") {
  CHECK(format_envelope(Envelope{}, {}).status().code() == maildir::Code::kInvalidArgument);
  Recipient r;
  r.address = "a\r\n@b";
  CHECK(format_envelope(Envelope{}, {r}).status().code() == maildir::Code::kInvalidArgument);
}
