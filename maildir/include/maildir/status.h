// Errors as values, from one small closed set (LevelDB's Status, Dovecot's mail_error).
//
// Every fallible call in the storage library returns a Status or a Result<T>. The protocol
// layers map a Code to their wire form in exactly one function each (IMAP response code,
// POP3 -ERR [..], SMTP reply with enhanced status). errno becomes a Code only in from_errno().
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace maildir {

enum class Code {
  kOk = 0,
  kNotFound,         // mailbox, folder or message does not exist
  kExists,           // target already exists (CREATE, RENAME)
  kInvalidName,      // a mailbox name that is refused (traversal, reserved, bad encoding)
  kInvalidArgument,  // a caller's value out of range (bad flag character, empty input)
  kOverQuota,        // the mailbox is at or over quota, or the message does not fit (strict)
  kLimit,            // a hard limit reached (26 keywords, name length, message size)
  kLocked,           // an exclusive lock is held by someone else (POP3 IN-USE)
  kCorrupt,          // a file's content could not be parsed and could not be repaired
  kNotEmpty,         // delete of a folder that has children or messages where refused
  kNoSpace,          // ENOSPC / EDQUOT: the file system is full (temporary for SMTP)
  kPermission,       // EACCES / EPERM / a symlink leading out of the Maildir
  kIo,               // any other operating system error (temporary)
};

// A short stable name for the code, e.g. "over_quota" (logs, tests).
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// The one errno → Code mapping. `context` names the operation and path, e.g. "rename a -> b".
Status from_errno(int err, std::string_view context);
// Same with the current errno.
inline Status from_errno(std::string_view context) { return from_errno(errno, context); }

// A value or an error Status. REQUIRES: an error Result is built from a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; Status::Ok() when ok().
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace maildir
