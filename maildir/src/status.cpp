#include "maildir/status.h"

#include <cstring>

namespace maildir {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kNotFound: return "not_found";
    case Code::kExists: return "exists";
    case Code::kInvalidName: return "invalid_name";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kOverQuota: return "over_quota";
    case Code::kLimit: return "limit";
    case Code::kLocked: return "locked";
    case Code::kCorrupt: return "corrupt";
    case Code::kNotEmpty: return "not_empty";
    case Code::kNoSpace: return "no_space";
    case Code::kPermission: return "permission";
    case Code::kIo: return "io";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

Status from_errno(int err, std::string_view context) {
  Code code;
  switch (err) {
    case ENOENT:
    case ENOTDIR: code = Code::kNotFound; break;
    case EEXIST: code = Code::kExists; break;
    case ENOTEMPTY: code = Code::kNotEmpty; break;
    case ENOSPC:
    case EDQUOT: code = Code::kNoSpace; break;
    case EACCES:
    case EPERM:
    case ELOOP: code = Code::kPermission; break;
    case ENAMETOOLONG: code = Code::kInvalidName; break;
    default: code = Code::kIo; break;
  }
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return Status(code, std::move(msg));
}

}  // namespace maildir
