// Pure parsers for the /proc files ProcInput reads, kept apart from file I/O so they can be
// tested on fixture text. Stateless and thread-safe. Values keep the kernel's units unless a
// field's comment says otherwise; unit conversion to node_exporter's units is done here only
// where the node_exporter name is fixed by the source (meminfo keys).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace hivewatch {

// One "cpuN" line of /proc/stat, in USER_HZ ticks.
struct CpuTicks {
  std::string cpu;  // "0", "1", ... (the aggregate "cpu" line is not kept)
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
           guest = 0, guest_nice = 0;
};

struct ProcStat {
  std::vector<CpuTicks> cpus;
  uint64_t intr = 0;  // first number of the "intr" line: the total
  uint64_t ctxt = 0;
  uint64_t btime = 0;
  uint64_t processes = 0;
  uint64_t procs_running = 0;
  uint64_t procs_blocked = 0;
};
Result<ProcStat> ParseProcStat(std::string_view text);

// /proc/meminfo as node_exporter names it: key "Active(anon)" becomes "Active_anon"; a value
// with a unit (always "kB") is multiplied by 1024 and the key gets "_bytes"; unitless
// values (HugePages_Total) are kept as they are.
struct MeminfoField {
  std::string key;  // e.g. "MemTotal_bytes", "HugePages_Total"
  double value = 0;
};
Result<std::vector<MeminfoField>> ParseMeminfo(std::string_view text);

// Every "name value" line of /proc/vmstat, in file order; with `keep`, only the fields it
// accepts (every line is still checked).
Result<std::vector<std::pair<std::string, double>>> ParseVmstat(
    std::string_view text, bool (*keep)(std::string_view name) = nullptr);
// node_exporter 1.5's default --collector.vmstat.fields: ^(oom_kill|pgpg|pswp|pg.*fault).*
bool IsDefaultVmstatField(std::string_view name);

struct LoadAvg {
  double load1 = 0, load5 = 0, load15 = 0;
};
Result<LoadAvg> ParseLoadavg(std::string_view text);

// One /proc/pressure/<resource> file; totals in microseconds. "full" is absent for cpu on
// kernels before 5.13.
struct PressureStats {
  bool has_some = false, has_full = false;
  uint64_t some_total_us = 0, full_total_us = 0;
};
Result<PressureStats> ParsePressure(std::string_view text);

// One /proc/diskstats line: the first 11 statistics (sectors are 512 bytes, times in ms).
struct DiskStats {
  std::string device;
  uint64_t reads_completed = 0, reads_merged = 0, sectors_read = 0, read_time_ms = 0;
  uint64_t writes_completed = 0, writes_merged = 0, sectors_written = 0, write_time_ms = 0;
  uint64_t io_now = 0, io_time_ms = 0, io_time_weighted_ms = 0;
};
Result<std::vector<DiskStats>> ParseDiskstats(std::string_view text);
// node_exporter 1.5's default --collector.diskstats.device-exclude:
// ^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$
bool IsDefaultExcludedDisk(std::string_view device);

// One /proc/net/dev interface: 8 receive then 8 transmit counters, in kNetDevFields order.
inline constexpr std::array<const char*, 16> kNetDevFields = {
    "receive_bytes",  "receive_packets",  "receive_errs",       "receive_drop",
    "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
    "transmit_bytes", "transmit_packets", "transmit_errs",      "transmit_drop",
    "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed"};
struct NetDevStats {
  std::string device;
  std::array<uint64_t, 16> values{};
};
Result<std::vector<NetDevStats>> ParseNetDev(std::string_view text);

// One /proc/mounts line, with the kernel's octal escapes (\040 for a space) decoded.
struct MountEntry {
  std::string device, mount_point, fs_type, options;
  bool ReadOnly() const;  // "ro" among the comma-separated options
};
Result<std::vector<MountEntry>> ParseMounts(std::string_view text);
// node_exporter 1.5's defaults for --collector.filesystem.mount-points-exclude and
// --collector.filesystem.fs-types-exclude on Linux.
bool IsDefaultExcludedMountPoint(std::string_view mount_point);
bool IsDefaultExcludedFsType(std::string_view fs_type);

}  // namespace hivewatch
