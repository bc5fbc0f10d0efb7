#include "imap/user_storage.h"

namespace imap {

maildir::QuotaOptions quota_options(const tegami::login::Identity& id,
                                    const tegami::config::Config& config) {
  maildir::QuotaOptions o;
  o.limit = maildir::QuotaLimit{id.quota_bytes, 0};  // 0: unlimited, never refused
  std::uint64_t max = config.limits.max_message_size;
  o.grace_bytes = max != 0 ? max : maildir::kDefaultMaxMessageSize;
  return o;
}

maildir::QuotaPolicy quota_policy(const tegami::login::Identity& id) {
  return id.quota_policy == tegami::config::QuotaPolicy::kStrict ? maildir::QuotaPolicy::kStrict
                                                                 : maildir::QuotaPolicy::kOvershoot;
}

maildir::MaildirOptions maildir_options(const tegami::config::Config& config) {
  maildir::MaildirOptions o;
  o.name_encoding =
      config.server.mailbox_name_encoding == tegami::config::MailboxNameEncoding::kUtf8
          ? maildir::NameEncoding::kUtf8
          : maildir::NameEncoding::kModifiedUtf7;
  return o;
}

}  // namespace imap
