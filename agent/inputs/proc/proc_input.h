// ProcInput: host metrics from /proc and /sys with node_exporter 1.5's names, types, labels and
// HELP (collectors cpu, stat, time, meminfo, vmstat, loadavg, pressure, diskstats, filesystem,
// netdev, netclass's node_network_up). Not thread-safe (MetricsInput contract); statvfs calls
// run on long-lived helper threads under a deadline (see StatfsProber).
#pragma once

#include <dirent.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/metrics.h"
#include "agent/inputs/proc/parsers.h"
#include "agent/inputs/proc/proc_file.h"
#include "agent/inputs/proc/statfs_prober.h"

namespace hivewatch {

struct ProcOptions {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  // Prepended to mount points for statvfs (the host's / mounted in a container), not to labels.
  std::string rootfs_prefix = "";
  int statvfs_timeout_ms = 1000;
  // Seams for tests: empty means ::statvfs and the system clock (seconds since the epoch).
  StatfsFunc statfs;
  std::function<double()> now_seconds;
};

class ProcInput : public MetricsInput {
 public:
  explicit ProcInput(ProcOptions options);
  ~ProcInput() override;

  const char* Name() const override { return "proc"; }
  Status Collect(std::vector<MetricFamily>* out) override;

  // Waits up to `timeout` for helper threads of hung statvfs calls; true if none is left.
  bool WaitForHelpers(std::chrono::milliseconds timeout) const;

 private:
  // Reads <proc_root>/<rel> through a ProcFile kept for the next collections. A missing file is
  // NotFound (skipped silently), other failures are logged once per path at debug.
  Result<std::string_view> ReadProc(std::string_view rel);
  Result<std::string_view> Read(ProcFile& file);
  // The interfaces under <sys_root>/class/net, sorted.
  std::vector<std::string> ListNetDevices();

  void CollectStat(std::vector<MetricFamily>* out);
  void CollectMeminfo(std::vector<MetricFamily>* out);
  void CollectVmstat(std::vector<MetricFamily>* out);
  void CollectLoadavg(std::vector<MetricFamily>* out);
  void CollectPressure(std::vector<MetricFamily>* out);
  void CollectDiskstats(std::vector<MetricFamily>* out);
  void CollectFilesystems(std::vector<MetricFamily>* out);
  void CollectNetwork(std::vector<MetricFamily>* out);

  ProcOptions options_;
  StatfsProber prober_;
  // Last cpu ticks reported per cpu: /proc/stat's idle and iowait can step backwards, and
  // node_exporter keeps its counters monotone (a jump back of 3s or more in idle is taken
  // as a cpu hotplug and resets that cpu).
  std::map<std::string, CpuTicks> last_cpu_;
  std::set<std::string> logged_failures_;  // paths whose read failure was logged already
  std::map<std::string, ProcFile, std::less<>> proc_files_;     // by path under proc_root
  std::map<std::string, std::unique_ptr<ProcFile>> operstate_;  // by interface
  DIR* net_dir_ = nullptr;  // <sys_root>/class/net, kept open on sysfs
};

}  // namespace hivewatch
