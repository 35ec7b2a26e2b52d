#include "agent/inputs/proc/proc_file.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

// The first number of /proc/self/schedstat (nanoseconds this thread ran) as read by `file`.
long long RunNs(ProcFile& file) {
  Result<std::string_view> text = file.Read();
  REQUIRE(text.ok());
  return std::stoll(std::string(*text));
}

TEST_CASE("a procfs file stays open and every read returns fresh content", "[proc]") {
  ProcFile file("/proc/thread-self/schedstat");
  const long long first = RunNs(file);
  CHECK(file.kept_open());
  // Burn CPU until the kernel accounts it; each Read goes through the same descriptor.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  long long now = first;
  volatile unsigned sink = 0;
  while (now == first && std::chrono::steady_clock::now() < deadline) {
    for (unsigned i = 0; i < 1000000; ++i) sink = sink + i;
    now = RunNs(file);
  }
  CHECK(now > first);
  CHECK(file.kept_open());

  // Content longer than one read buffer comes back whole.
  ProcFile big("/proc/self/smaps");
  Result<std::string_view> smaps = big.Read();
  REQUIRE(smaps.ok());
  CHECK(smaps->size() > 16384);
  CHECK(smaps->back() == '\n');
}

TEST_CASE("a file outside procfs and sysfs is opened for each read, so a replacement is seen",
          "[proc]") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/stat";
  std::ofstream(path) << "one\n";
  ProcFile file(path);
  Result<std::string_view> a = file.Read();
  REQUIRE(a.ok());
  CHECK(*a == "one\n");
  CHECK_FALSE(file.kept_open());
  std::ofstream(path + ".new") << "two\n";
  std::filesystem::rename(path + ".new", path);
  Result<std::string_view> b = file.Read();
  REQUIRE(b.ok());
  CHECK(*b == "two\n");

  std::filesystem::remove(path);
  CHECK(file.Read().status().code() == StatusCode::kNotFound);
  ProcFile missing(dir.path() + "/no/such/file");
  CHECK(missing.Read().status().code() == StatusCode::kNotFound);
}

TEST_CASE("a sysfs attribute stays open too", "[proc]") {
  if (!std::filesystem::exists("/sys/class/net/lo/operstate")) {
    WARN("no /sys/class/net/lo on this machine: not checked");
    return;
  }
  ProcFile file("/sys/class/net/lo/operstate");
  Result<std::string_view> a = file.Read();
  REQUIRE(a.ok());
  CHECK(file.kept_open());
  Result<std::string_view> b = file.Read();
  REQUIRE(b.ok());
  CHECK(*b == "unknown\n");
}

}  // namespace
}  // namespace hivewatch
