// Every deliver_local test of test_local_delivery.cpp again, with the delivery journal
// (config server.delivery_sync: journal): quota checks and warnings, maildirsize lines, hard
// links, trace headers must behave exactly as with an fsync per message.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/journal.h"
#include "delivery/local_delivery.h"
#include "temp_dir.h"

namespace {

tegami_delivery::Journal& test_journal() {
  static TempDir dir;
  static std::unique_ptr<tegami_delivery::Journal> j = [] {
    tegami_delivery::JournalOptions o;
    o.dir = dir.path() + "/journal";
    auto r = tegami_delivery::Journal::open(o);
    if (!r.ok()) std::abort();
    return std::move(r).value();
  }();
  return *j;
}

std::vector<maildir::Status> journaled(std::string_view message, std::string_view sender,
                                       std::string_view received,
                                       const std::vector<tegami_delivery::LocalMailbox>& boxes,
                                       std::uint64_t max_size,
                                       std::string_view host = "localhost") {
  return tegami_delivery::deliver_local(message, sender, received, boxes, max_size, host,
                                        &test_journal());
}

}  // namespace

#define deliver_local journaled
#include "test_local_delivery.cpp"
