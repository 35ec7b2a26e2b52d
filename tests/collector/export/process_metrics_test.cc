// process_* figures: the /proc parsers on text copied from a real Debian 12 machine, and the
// reader on this process.
#include "collector/export/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using namespace hivewatch;

namespace {

// /proc/<pid>/stat of a process whose command name holds spaces and a ')'.
constexpr const char* kPidStat =
    "23206 (my (odd) cmd) S 23204 23204 7789 0 -1 4194304 99 0 0 0 250 125 0 0 20 0 1 0 "
    "1062380 3133440 383 18446744073709551615 94441818353664 94441818373545 140735544986512 0 0 "
    "0 0 0 0 0 0 0 17 1 0 0 0 0 0 94441818389552 94441818391168 94442857451520 "
    "140735544990152 140735544990172 140735544990172 140735544991723 0\n";
constexpr const char* kStat =
    "cpu  1013 0 1290 187233 101 0 27 0 0 0\n"
    "intr 197542 0 9 0\n"
    "ctxt 452893\n"
    "btime 1795445645\n"
    "processes 23210\n";

}  // namespace

TEST_CASE("process figures are read from /proc/<pid>/stat and btime", "[metrics][process]") {
  Result<ProcessStats> s = ParseProcessStat(kPidStat, kStat, 100, 4096);
  INFO(s.status().message());
  REQUIRE(s.ok());
  CHECK(s->cpu_seconds == Approx(3.75));  // (250 + 125) ticks
  CHECK(s->start_time_seconds == Approx(1795445645 + 10623.80));
  CHECK(s->virtual_bytes == 3133440);
  CHECK(s->resident_bytes == 383 * 4096);
}

TEST_CASE("unreadable process figures are errors naming the file", "[metrics][process]") {
  CHECK_THAT(ParseProcessStat("23206 cat R 1", kStat, 100, 4096).status().message(),
             Catch::StartsWith("/proc/self/stat"));
  CHECK_THAT(ParseProcessStat("1 (x) R 1 2 3", kStat, 100, 4096).status().message(),
             Catch::StartsWith("/proc/self/stat"));
  CHECK_THAT(ParseProcessStat(kPidStat, "cpu 1 2 3\n", 100, 4096).status().message(),
             Catch::StartsWith("/proc/stat: no valid btime"));
}

TEST_CASE("the open files limit comes from /proc/<pid>/limits", "[metrics][process]") {
  const char* limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max processes             15393                15393                processes \n"
      "Max open files            20000                524288               files     \n"
      "Max locked memory         8388608              8388608              bytes     \n";
  Result<double> max = ParseMaxOpenFiles(limits);
  REQUIRE(max.ok());
  CHECK(*max == 20000);
  CHECK(*ParseMaxOpenFiles("Max open files            unlimited            unlimited  files\n") ==
        -1);
  CHECK_FALSE(ParseMaxOpenFiles("Max processes 1 1 processes\n").ok());
}

TEST_CASE("this process's figures agree with getrlimit and getrusage", "[metrics][process]") {
  Result<ProcessStats> s = ReadProcessStats();
  INFO(s.status().message());
  REQUIRE(s.ok());
  rlimit nofile{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &nofile) == 0);
  CHECK(s->max_fds == static_cast<double>(nofile.rlim_cur));
  rusage usage{};
  REQUIRE(getrusage(RUSAGE_SELF, &usage) == 0);
  // /proc counts in clock ticks (10 ms), getrusage more finely: they agree to a tick or two.
  const double rusage_cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                            usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  CHECK(s->cpu_seconds == Approx(rusage_cpu).margin(0.05));
  CHECK(s->resident_bytes <= usage.ru_maxrss * 1024.0);  // ru_maxrss is in KiB: the peak
  CHECK(s->open_fds >= 3);
  CHECK(ReadProcessStats("/nonexistent").status().code() == StatusCode::kUnavailable);
}
