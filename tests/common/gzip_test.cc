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

TEST_CASE("Gzip's output at every level is standard gzip that the collector's inflater reads",
          "[gzip]") {
  // Push JSON of several MB: more than one deflate block, and more than zlib's 64 KiB chunks.
  std::string json = "{\"logs\":[";
  for (int i = 0; i < 40000; ++i) {
    json += "{\"level\":\"info\",\"message\":\"GET /api/v1/items/" + std::to_string(i * 7919) +
            " HTTP/1.1 200\",\"service\":\"web\",\"ts\":" + std::to_string(1700000000000 + i) +
            "},";
  }
  json += "{}]}";
  for (int level : {0, 1, 6, 9, 12}) {
    INFO("level " << level);
    const std::string packed = Gzip(json, level);
    REQUIRE(packed.size() > 18);
    CHECK(static_cast<unsigned char>(packed[0]) == 0x1f);  // gzip magic, deflate method
    CHECK(static_cast<unsigned char>(packed[1]) == 0x8b);
    CHECK(packed[2] == 8);
    if (level > 0) CHECK(packed.size() < json.size() / 4);
    Result<std::string> back = Gunzip(packed, json.size());
    REQUIRE(back.ok());
    CHECK(*back == json);
    CHECK(Gzip(json, level) == packed);  // deterministic (a compressor per thread is reused)
  }
  // Incompressible data needs the worst-case output buffer (a little over the input).
  std::string noise(256 * 1024, '\0');
  uint32_t x = 12345;
  for (char& c : noise) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  Result<std::string> noise_back = Gunzip(Gzip(noise, 1), noise.size());
  REQUIRE(noise_back.ok());
  CHECK(*noise_back == noise);
  Result<std::string> empty = Gunzip(Gzip("", 1), 16);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}
