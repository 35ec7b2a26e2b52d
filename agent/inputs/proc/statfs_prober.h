// Runs statvfs for many mount points under one deadline, so a hung mount (a dead NFS server)
// never blocks a collection. Probes run on long-lived helper threads (one in the normal case,
// so a collection creates no thread); when a call has not returned after a short hand-off
// time, another helper takes over the remaining paths. A probe that misses the deadline marks
// its path stuck, and stuck paths are not probed again until their pending call returns
// (node_exporter's stuckMounts). Not thread-safe: call from one thread. Helper threads only
// touch state they share by shared_ptr, so destroying the prober while a probe hangs is safe
// (that helper leaves when its call returns, or is reaped at process exit).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace hivewatch {

struct FsStats {
  double size_bytes = 0, free_bytes = 0, avail_bytes = 0, files = 0, files_free = 0;
};

// The blocking call being bounded; ::statvfs by default (RealStatfs).
using StatfsFunc = std::function<Result<FsStats>(const std::string& path)>;
Result<FsStats> RealStatfs(const std::string& path);

class StatfsProber {
 public:
  StatfsProber(StatfsFunc statfs, std::chrono::milliseconds timeout);
  ~StatfsProber();
  StatfsProber(const StatfsProber&) = delete;
  StatfsProber& operator=(const StatfsProber&) = delete;

  // One result per path, in order. Returns within about `timeout` of the call; a path whose
  // call does not finish by then, or is still stuck from an earlier call, gets kUnavailable.
  std::vector<Result<FsStats>> ProbeAll(const std::vector<std::string>& paths);

  // Whether `path` is stuck (a probe of it missed a deadline and has not returned yet).
  bool IsStuck(const std::string& path) const;

  // Waits until no statvfs call is running or `timeout` passes; true if none is running.
  // For orderly shutdown and tests.
  bool WaitIdle(std::chrono::milliseconds timeout) const;

  struct Shared;  // the queue and results, shared with the helper threads

 private:
  std::chrono::milliseconds timeout_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hivewatch
