#include "imap/response_code.h"

namespace imap {

std::string_view response_code(maildir::Code code) {
  using maildir::Code;
  switch (code) {
    case Code::kOk:
      return "";
    case Code::kNotFound:
      return "NONEXISTENT";
    case Code::kExists:
      return "ALREADYEXISTS";
    case Code::kInvalidName:
    case Code::kInvalidArgument:
    case Code::kNotEmpty:
      return "CANNOT";
    case Code::kOverQuota:
      return "OVERQUOTA";
    case Code::kLimit:
      return "LIMIT";
    case Code::kLocked:
      return "INUSE";
    case Code::kCorrupt:
      return "CORRUPTION";
    case Code::kNoSpace:
      return "OVERQUOTA";
    case Code::kPermission:
      return "NOPERM";
    case Code::kIo:
      return "SERVERBUG";
  }
  return "SERVERBUG";
}

std::string no_response(const maildir::Status& status, bool target) {
  using maildir::Code;
  if (target && status.code() == Code::kNotFound) {
    return "NO [TRYCREATE] Mailbox doesn't exist";
  }
  std::string text;
  switch (status.code()) {
    case Code::kNotFound:
      text = "Mailbox doesn't exist";
      break;
    case Code::kExists:
      text = "Mailbox already exists";
      break;
    case Code::kInvalidName:
      text = "Invalid mailbox name";
      break;
    case Code::kNotEmpty:
      text = "Mailbox has children";
      break;
    case Code::kOverQuota:
    case Code::kNoSpace:
      text = "Quota exceeded";
      break;
    case Code::kLimit:
      text = "Limit reached";
      break;
    case Code::kLocked:
      text = "Mailbox is in use";
      break;
    case Code::kPermission:
      text = "Permission denied";
      break;
    default:
      text = "Internal error occurred, refer to server log";
      break;
  }
  return "NO [" + std::string(response_code(status.code())) + "] " + text;
}

}  // namespace imap
