// The process_* figures every Prometheus exporter reports (CPU time, memory, start time, file
// descriptors), read from /proc like the Go client's process collector. Pure parsers apart from
// the reading, so tests can use fixture text. Functions only; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  double open_fds = 0;
  double max_fds = 0;  // soft limit; -1 when unlimited
};

// Fills cpu_seconds, resident_bytes, virtual_bytes and start_time_seconds from the text of
// /proc/<pid>/stat and of /proc/stat (for btime). kInvalidArgument naming the missing field.
Result<ProcessStats> ParseProcessStat(std::string_view pid_stat, std::string_view stat,
                                      long ticks_per_second, long page_size);

// The soft "Max open files" limit from the text of /proc/<pid>/limits; -1 for "unlimited".
Result<double> ParseMaxOpenFiles(std::string_view limits);

// This process's figures from `proc_root` (normally /proc): self/stat, stat, self/limits and
// the entries of self/fd.
Result<ProcessStats> ReadProcessStats(const std::string& proc_root = "/proc");

}  // namespace hivewatch
