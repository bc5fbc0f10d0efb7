// The MIME structure of the messages of a selected mailbox for FETCH ENVELOPE, BODY,
// BODYSTRUCTURE and BODY[n...]: taken from the folder's tegami-cache (maildir/message_cache.h,
// holding mime::encode_structure blobs) when there, else parsed from the message file in one
// streaming pass and queued for the cache (flush() writes it, once per FETCH batch).
//
// Thread safety: owned by a SelectedBox; used by the one thread that holds the box.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "imap/message_file.h"
#include "maildir/mailbox.h"
#include "maildir/message_cache.h"
#include "mime/structure.h"

namespace imap {

class StructureCache {
 public:
  StructureCache(const std::string& folder_dir, std::uint32_t uidvalidity);

  std::uint32_t uidvalidity() const { return uidvalidity_; }

  // The structure of the message with `uid`. `open_file` is called when the message must be
  // parsed (its errors, e.g. kNotFound for a vanished file, are returned).
  maildir::Result<std::shared_ptr<const mime::Structure>> get(
      std::uint32_t uid,
      const std::function<maildir::Result<std::shared_ptr<MessageFile>>()>& open_file);

  // The structure of `uid` if it was parsed before (in memory or in tegami-cache), else null;
  // never reads the message.
  std::shared_ptr<const mime::Structure> cached(std::uint32_t uid);

  // Writes the structures parsed since the last flush to tegami-cache (errors are ignored:
  // it is a cache). `live`: the folder's message count, for compaction.
  void flush(std::size_t live);

  // Where the last partial fetch of a region ended, so the next partial of the same region
  // (e.g. BODY[]<65536.65536> after <0.65536>) continues from there instead of converting the
  // region from its start again. `region` is the region's stored offset.
  struct Resume {
    std::uint32_t uid = 0;
    std::uint64_t region = 0;
    CrlfPosition pos;
  };
  const Resume& resume() const { return resume_; }
  void set_resume(const Resume& r) { resume_ = r; }

  // How many message files this process has parsed for their structure (for tests proving
  // that a second FETCH BODYSTRUCTURE is answered from the cache).
  static std::uint64_t parses();

 private:
  std::uint32_t uidvalidity_;
  maildir::MessageCache disk_;
  // The last structure asked for: the items of one message's FETCH share it.
  std::uint32_t last_uid_ = 0;
  std::shared_ptr<const mime::Structure> last_;
  Resume resume_;
};

struct SelectedBox;
// The box's cache, made when missing or when the mailbox's UIDVALIDITY changed.
StructureCache& structure_cache(SelectedBox& box);

}  // namespace imap
