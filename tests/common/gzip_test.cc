#include "common/gzip.h"

#include <catch2/catch.hpp>

using namespace hivewatch;

TEST_CASE("gzip round-trips data", "[gzip]") {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += "line " + std::to_string(i) + " of the log\n";
  std::string packed = Gzip(data);
  CHECK(packed.size() < data.size() / 4);
  Result<std::string> back = Gunzip(packed, data.size());
  REQUIRE(back.ok());
  CHECK(*back == data);
}

TEST_CASE("a gzip bomb is stopped at the limit without inflating it", "[gzip]") {
  std::string zeros(64 * 1024 * 1024, '\0');  // 64 MiB of zeros compresses to ~64 KiB
  std::string bomb = Gzip(zeros, 9);
  CHECK(bomb.size() < 200 * 1024);
  Result<std::string> r = Gunzip(bomb, 1024 * 1024);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kTooLarge);
  CHECK_THAT(r.status().message(), Catch::Contains("exceeds the limit of 1048576 bytes"));
}

TEST_CASE("corrupt and truncated gzip is an invalid argument", "[gzip]") {
  std::string packed = Gzip("hello world, hello world, hello world");
  Result<std::string> truncated = Gunzip(packed.substr(0, packed.size() / 2), 1 << 20);
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(truncated.status().message(), Catch::StartsWith("invalid gzip body"));

  Result<std::string> garbage = Gunzip("this is not gzip at all", 1 << 20);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("concatenated gzip members decompress to the concatenation", "[gzip]") {
  Result<std::string> r = Gunzip(Gzip("first half, ") + Gzip("second half"), 1 << 20);
  REQUIRE(r.ok());
  CHECK(*r == "first half, second half");
}
