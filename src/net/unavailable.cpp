#include "net/unavailable.h"

namespace net {
namespace {

class UnavailableHandler final : public Handler {
 public:
  explicit UnavailableHandler(std::string greeting) : greeting_(std::move(greeting)) {}
  void on_open(Connection& c) override {
    c.send(greeting_);
    c.close();
  }
  size_t on_input(Connection& c, std::string_view data) override {
    (void)c;
    return data.size();
  }
  void on_limit(Connection& c, LimitKind kind) override {
    (void)kind;
    c.send(greeting_);
  }
  void on_timeout(Connection& c, TimeoutKind kind) override {
    (void)c;
    (void)kind;
  }

 private:
  std::string greeting_;
};

}  // namespace

std::string unavailable_greeting(const std::string& protocol, const std::string& hostname) {
  if (protocol == "pop3") return "-ERR [SYS/PERM] " + hostname + " POP3 service not available\r\n";
  if (protocol == "imap") {
    return "* BYE [UNAVAILABLE] " + hostname + " IMAP service not available\r\n";
  }
  return "554 5.3.2 " + hostname + " ESMTP service not available\r\n";
}

HandlerFactory unavailable_handler_factory(std::string protocol, std::string hostname) {
  std::string greeting = unavailable_greeting(protocol, hostname);
  return [greeting](Connection&) -> std::unique_ptr<Handler> {
    return std::make_unique<UnavailableHandler>(greeting);
  };
}

}  // namespace net
