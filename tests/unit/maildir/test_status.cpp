#include <doctest/doctest.h>

#include "maildir/status.h"

using maildir::Code;
using maildir::Result;
using maildir::Status;

TEST_CASE("errno maps to the closed set of codes") {
  CHECK(maildir::from_errno(ENOENT, "open x").code() == Code::kNotFound);
  CHECK(maildir::from_errno(ENOSPC, "write x").code() == Code::kNoSpace);
  CHECK(maildir::from_errno(EDQUOT, "write x").code() == Code::kNoSpace);
  CHECK(maildir::from_errno(ELOOP, "open x").code() == Code::kPermission);
  CHECK(maildir::from_errno(EIO, "fsync x").code() == Code::kIo);
  Status s = maildir::from_errno(ENOENT, "open /m/new");
  CHECK(s.to_string().find("not_found: open /m/new: ") == 0);
}

TEST_CASE("Result holds a value or an error") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);
  CHECK(good.status().ok());
  Result<int> bad = Status(Code::kOverQuota, "full");
  CHECK(!bad.ok());
  CHECK(bad.status().code() == Code::kOverQuota);
}
