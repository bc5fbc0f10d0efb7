// The placeholder handler: the protocol's proper "not available" greeting, then close —
// through the fake connection and through a real implicit-TLS listener.
#include <doctest/doctest.h>

#include "net/fake_connection.h"
#include "net/unavailable.h"
#include "net_test_support.h"

using namespace nettest;

TEST_CASE("greetings_per_protocol") {
  CHECK(net::unavailable_greeting("smtp", "mx.example") ==
        "554 5.3.2 mx.example ESMTP service not available\r\n");
  CHECK(net::unavailable_greeting("submission", "mx.example").rfind("554 5.3.2 ", 0) == 0);
  CHECK(net::unavailable_greeting("pop3", "mx.example") ==
        "-ERR [SYS/PERM] mx.example POP3 service not available\r\n");
  CHECK(net::unavailable_greeting("imap", "mx.example") ==
        "* BYE [UNAVAILABLE] mx.example IMAP service not available\r\n");
}

TEST_CASE("fake_connection_sees_greeting_then_close") {
  net::FakeConnection c;
  auto h = net::unavailable_handler_factory("imap", "mx.example")(c);
  h->on_open(c);
  CHECK(c.output() == "* BYE [UNAVAILABLE] mx.example IMAP service not available\r\n");
  CHECK(c.closing());
}

TEST_CASE("real_listeners_plain_and_implicit_tls") {
  TestServer ts;
  ts.load_certs();
  auto smtp = spec("smtp");
  smtp.info.protocol = "smtp";
  smtp.factory = net::unavailable_handler_factory("smtp", "mx.example");
  auto pop3s = spec("pop3s", net::TlsMode::kImplicit);
  pop3s.info.protocol = "pop3";
  pop3s.factory = net::unavailable_handler_factory("pop3", "mx.example");
  REQUIRE(ts.start({smtp, pop3s}) == "");
  Client a(ts.port(0));
  CHECK(a.line() == "554 5.3.2 mx.example ESMTP service not available\r\n");
  CHECK(a.wait_eof());
  Client b(ts.port(1));
  REQUIRE(b.start_tls() == "");
  CHECK(b.line() == "-ERR [SYS/PERM] mx.example POP3 service not available\r\n");
  CHECK(b.wait_eof());
}
