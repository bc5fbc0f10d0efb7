#include "imap/structure_cache.h"

#include <atomic>

#include "imap/selected_box.h"
#include "mime/parser.h"
#include "mime/serialize.h"

namespace imap {

namespace {
std::atomic<std::uint64_t> g_parses{0};
}

StructureCache::StructureCache(const std::string& folder_dir, std::uint32_t uidvalidity)
    : uidvalidity_(uidvalidity), disk_(folder_dir, uidvalidity) {}

std::uint64_t StructureCache::parses() {
  return g_parses.load();
}

std::shared_ptr<const mime::Structure> StructureCache::cached(std::uint32_t uid) {
  if (last_ && last_uid_ == uid) return last_;
  std::shared_ptr<const mime::Structure> found;
  if (auto blob = disk_.get(uid)) {
    auto decoded = mime::decode_structure(*blob);
    if (decoded.ok()) found = std::make_shared<const mime::Structure>(std::move(*decoded));
  }
  if (found) {
    last_uid_ = uid;
    last_ = found;
  }
  return found;
}

maildir::Result<std::shared_ptr<const mime::Structure>> StructureCache::get(
    std::uint32_t uid,
    const std::function<maildir::Result<std::shared_ptr<MessageFile>>()>& open_file) {
  std::shared_ptr<const mime::Structure> found = cached(uid);
  if (!found) {
    auto file = open_file();
    if (!file.ok()) return file.status();
    mime::Parser parser;
    maildir::Status s = (*file)->read_all([&parser](std::string_view d) { parser.feed(d); });
    if (!s.ok()) return s;
    auto parsed = std::make_shared<const mime::Structure>(parser.finish());
    g_parses.fetch_add(1);
    disk_.put(uid, mime::encode_structure(*parsed));
    found = std::move(parsed);
  }
  last_uid_ = uid;
  last_ = found;
  return found;
}

StructureCache& structure_cache(SelectedBox& box) {
  if (!box.structures || box.structures->uidvalidity() != box.mailbox.uid_validity()) {
    box.structures =
        std::make_shared<StructureCache>(box.mailbox.dir(), box.mailbox.uid_validity());
  }
  return *box.structures;
}

void StructureCache::flush(std::size_t live) {
  (void)disk_.flush(live);
}

}  // namespace imap
