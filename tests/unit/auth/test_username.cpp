// The login-name rule checked before any lookup.
#include <doctest/doctest.h>

#include <string>

#include "auth/username.h"

using tegami_auth::kMaxUsernameBytes;
using tegami_auth::username_is_valid;
using namespace std::string_literals;

TEST_CASE("addresses are accepted") {
  for (std::string u :
       {"a@b"s, "alice@example.com"s, "first.last+tag@sub.example.co.jp"s, "o'brien@example.ie"s,
        "x_y-z=1!#$%&*?^`{|}~@ex.am"s, "USER@EXAMPLE.COM"s}) {
    CAPTURE(u);
    CHECK(username_is_valid(u));
  }
}

TEST_CASE("anything else is refused") {
  for (std::string u : {""s,      "a@"s,       "@b"s,      "ab"s,     "alice"s,   "a@b@c"s,
                        "a b@c"s, "a\t@b"s,    "a\r\n@b"s, "a\0@b"s,  "a@b\x7f"s, "\xc3\xa9@b"s,
                        "a/b@c"s, "a@b/../c"s, "\"a\"@b"s, "a<b>@c"s, "a,b@c"s,   "a;b@c"s,
                        "a:b@c"s, "a\\b@c"s,   "[a]@b"s,   "(a)@b"s}) {
    CAPTURE(u);
    CHECK_FALSE(username_is_valid(u));
  }
}

TEST_CASE("length limit") {
  std::string u = std::string(kMaxUsernameBytes - 2, 'a') + "@b";
  CHECK(username_is_valid(u));
  CHECK_FALSE(username_is_valid(u + "c"));
}
