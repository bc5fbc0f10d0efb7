// The size and duration syntax of the config files (config/quantity.h).
#include <doctest/doctest.h>

#include "config/quantity.h"

using tegami::config::parse_bytes;
using tegami::config::parse_duration;
using tegami::config::parse_megabytes;

TEST_CASE("megabytes: bare numbers are MB, GB and TB are binary multiples") {
  CHECK(parse_megabytes("50") == 50u);
  CHECK(parse_megabytes("50MB") == 50u);
  CHECK(parse_megabytes("50 mb") == 50u);
  CHECK(parse_megabytes("50M") == 50u);
  CHECK(parse_megabytes("5GB") == 5120u);
  CHECK(parse_megabytes("5g") == 5120u);
  CHECK(parse_megabytes("2TB") == 2097152u);
  CHECK(parse_megabytes("0") == 0u);
}

TEST_CASE("megabytes: fractions, small units, signs and junk are refused") {
  for (const char* bad : {"1.5", "1.5GB", "50KB", "50K", "50B", "-5", "+5", "", " ", "MB", "5 G B",
                          "5XB", "1e3", "0x10", "99999999999999999999", "18014398509481984TB"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_megabytes(bad).has_value());
  }
}

TEST_CASE("bytes: bare numbers are bytes, suffixes are binary") {
  CHECK(parse_bytes("20971520") == 20971520u);
  CHECK(parse_bytes("20MB") == 20971520u);
  CHECK(parse_bytes("64K") == 65536u);
  CHECK(parse_bytes("1GB") == 1073741824u);
  CHECK_FALSE(parse_bytes("1.5MB").has_value());
  CHECK_FALSE(parse_bytes("10TB").has_value());
}

TEST_CASE("durations: bare numbers take the field's unit") {
  using std::chrono::milliseconds;
  CHECK(parse_duration("30", 1000) == milliseconds(30000));
  CHECK(parse_duration("30", 1) == milliseconds(30));
  CHECK(parse_duration("250ms", 1000) == milliseconds(250));
  CHECK(parse_duration("5m", 1000) == milliseconds(300000));
  CHECK(parse_duration("1h", 1000) == milliseconds(3600000));
  CHECK(parse_duration("2d", 1000) == milliseconds(172800000));
  CHECK_FALSE(parse_duration("1.5s", 1000).has_value());
  CHECK_FALSE(parse_duration("5 minutes", 1000).has_value());
  CHECK_FALSE(parse_duration("-1s", 1000).has_value());
}
