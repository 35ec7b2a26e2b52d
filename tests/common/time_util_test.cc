#include "common/time_util.h"

#include <catch2/catch.hpp>

using namespace hivewatch;

TEST_CASE("timestamps parse as milliseconds or RFC 3339", "[time]") {
  CHECK(*ParseTimestampMs("1763900000123") == 1763900000123);
  CHECK(*ParseTimestampMs("2025-11-23T12:13:20Z") == 1763900000000);
  CHECK(*ParseTimestampMs("2025-11-23T12:13:20.123Z") == 1763900000123);
  CHECK(*ParseTimestampMs("2025-11-23T13:13:20.5+01:00") == 1763900000500);
  CHECK(*ParseTimestampMs("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseTimestampMs("2024-02-29T00:00:00Z") == 1709164800000);
}

TEST_CASE("bad timestamps are rejected with a hint", "[time]") {
  for (const char* bad : {"", "yesterday", "2025-11-23", "2025-11-23T12:13:20", "2025-13-01T00:00:00Z",
                          "2025-11-23T12:13:20.Z", "2025-11-23T12:13:20Zjunk",
                          "2025-02-29T00:00:00Z", "2025-04-31T00:00:00Z"}) {
    Result<int64_t> r = ParseTimestampMs(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
  }
  CHECK_THAT(ParseTimestampMs("2025-11-23T12:13:20").status().message(),
             Catch::Contains("time zone"));
}

TEST_CASE("durations parse with units and combinations", "[time]") {
  CHECK(*ParseDurationMs("500ms") == 500);
  CHECK(*ParseDurationMs("30s") == 30000);
  CHECK(*ParseDurationMs("15m") == 900000);
  CHECK(*ParseDurationMs("1h30m") == 5400000);
  CHECK(*ParseDurationMs("7d") == 604800000);
  CHECK(*ParseDurationMs("1w") == 604800000);
  for (const char* bad : {"", "1", "h", "1y", "-1h", "1.5h"}) {
    INFO(bad);
    CHECK_FALSE(ParseDurationMs(bad).ok());
  }
}

TEST_CASE("RFC 3339 formatting is UTC with milliseconds and round-trips", "[time]") {
  CHECK(FormatRfc3339(1763900000123) == "2025-11-23T12:13:20.123Z");
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(*ParseTimestampMs(FormatRfc3339(1709164800007)) == 1709164800007);
}
