// Prometheus rendering and the daemon's counters as the metrics endpoint shows them.
#include <doctest/doctest.h>

#include <string>

#include "metrics/counters.h"
#include "metrics/prometheus.h"

using namespace tegami::metrics;

TEST_CASE("render writes help, type and labelled samples") {
  std::vector<Family> fams = {
      {"x_total", "Things.", Type::kCounter, {{{{"protocol", "imap"}}, 3}, {{}, 4}}},
      {"y", "A gauge.", Type::kGauge, {}},
  };
  CHECK(render(fams) ==
        "# HELP x_total Things.\n# TYPE x_total counter\nx_total{protocol=\"imap\"} 3\n"
        "x_total 4\n# HELP y A gauge.\n# TYPE y gauge\n");
}

TEST_CASE("label values and help are escaped") {
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  std::vector<Family> fams = {{"z", "line\\one\ntwo", Type::kGauge, {{{{"k", "v\""}}, 1}}}};
  CHECK(render(fams) == "# HELP z line\\\\one\\ntwo\n# TYPE z gauge\nz{k=\"v\\\"\"} 1\n");
}

TEST_CASE("counters feed the families the endpoint shows") {
  Counters c;
  c.login(Protocol::kImap, true);
  c.login(Protocol::kImap, false);
  c.login(Protocol::kImap, false);
  c.message_received();
  c.message_delivered();
  c.message_delivered();
  c.message_bounced();
  c.smtp_rejected(Counters::SmtpStage::kRcpt);
  c.smtp_rejected(Counters::SmtpStage::kRcpt);
  c.smtp_rejected(Counters::SmtpStage::kData);
  c.set_queue_length(7);
  c.config_reload(false);
  Values v = c.snapshot();
  // Connections and bytes come from the network layer's stats; the daemon fills them in.
  v.by_protocol[static_cast<std::size_t>(Protocol::kImap)].connections_current = 1;
  v.by_protocol[static_cast<std::size_t>(Protocol::kImap)].connections_total = 2;
  v.by_protocol[static_cast<std::size_t>(Protocol::kImap)].connections_refused = 1;
  v.by_protocol[static_cast<std::size_t>(Protocol::kSmtp)].connections_current = 1;
  v.by_protocol[static_cast<std::size_t>(Protocol::kPop3)].bytes_in = 10;
  v.by_protocol[static_cast<std::size_t>(Protocol::kPop3)].bytes_out = 20;
  std::string text = render(families(v));
  CHECK(text.find("tegami_connections_current{protocol=\"imap\"} 1\n") != std::string::npos);
  CHECK(text.find("tegami_connections_total{protocol=\"imap\"} 2\n") != std::string::npos);
  CHECK(text.find("tegami_connections_refused_total{protocol=\"imap\"} 1\n") != std::string::npos);
  CHECK(text.find("tegami_connections_current{protocol=\"smtp\"} 1\n") != std::string::npos);
  CHECK(text.find("tegami_connections_total{protocol=\"submission\"} 0\n") != std::string::npos);
  CHECK(text.find("tegami_bytes_received_total{protocol=\"pop3\"} 10\n") != std::string::npos);
  CHECK(text.find("tegami_bytes_sent_total{protocol=\"pop3\"} 20\n") != std::string::npos);
  CHECK(text.find("tegami_logins_total{protocol=\"imap\",result=\"ok\"} 1\n") != std::string::npos);
  CHECK(text.find("tegami_logins_total{protocol=\"imap\",result=\"failed\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("tegami_messages_received_total 1\n") != std::string::npos);
  CHECK(text.find("tegami_messages_delivered_total 2\n") != std::string::npos);
  CHECK(text.find("tegami_messages_bounced_total 1\n") != std::string::npos);
  CHECK(text.find("tegami_smtp_rejected_total{stage=\"connect\"} 0\n") != std::string::npos);
  CHECK(text.find("tegami_smtp_rejected_total{stage=\"rcpt\"} 2\n") != std::string::npos);
  CHECK(text.find("tegami_smtp_rejected_total{stage=\"data\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE tegami_queue_length gauge\ntegami_queue_length 7\n") !=
        std::string::npos);
  CHECK(text.find("tegami_config_reloads_total{result=\"failed\"} 1\n") != std::string::npos);
}

TEST_CASE("protocol names round trip") {
  for (Protocol p : {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3, Protocol::kImap}) {
    CHECK(protocol_from_name(protocol_name(p)) == p);
  }
  CHECK_FALSE(protocol_from_name("http").has_value());
}
