// TrimStartupMemory on this test process: resident file pages go down, and everything keeps
// working (code and constants are mapped back on use, written data is never discarded).
#include "agent/memory_trim.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <string>

#include "common/gzip.h"

namespace hivewatch {
namespace {

// The kB value of a "Key:" line of /proc/self/status.
long StatusKb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string k; in >> k;) {
    long v = 0;
    if (k == key + ":" && in >> v) return v;
  }
  return -1;
}

int written_before_trim = 0;  // .data: must keep what was written into it

TEST_CASE("TrimStartupMemory drops resident file pages and the process works as before",
          "[agent]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " of the sample\n";
  const std::string gzipped = Gzip(text);
  std::map<std::string, int> heap;
  for (int i = 0; i < 1000; ++i) heap["key" + std::to_string(i)] = i;
  written_before_trim = 42;

  const long file_before = StatusKb("RssFile");
  REQUIRE(file_before > 0);
  TrimmedMemory trimmed = TrimStartupMemory();
  const long file_after = StatusKb("RssFile");
  INFO("RssFile " << file_before << " kB -> " << file_after << " kB");
  CHECK(trimmed.file_ranges > 0);
  CHECK(trimmed.file_bytes > 0);
  CHECK(file_after < file_before);

  // Code of the binary and of shared libraries (zlib, libstdc++) runs again and agrees.
  CHECK(Gzip(text) == gzipped);
  Result<std::string> back = Gunzip(gzipped, 1 << 20);
  REQUIRE(back.ok());
  CHECK(*back == text);
  CHECK(written_before_trim == 42);
  REQUIRE(heap.size() == 1000);
  CHECK(heap.at("key999") == 999);
  // A second trim is as harmless.
  TrimStartupMemory();
  CHECK(Gzip(text) == gzipped);
}

}  // namespace
}  // namespace hivewatch
