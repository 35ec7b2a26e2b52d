#include "agent/inputs/proc/proc_input.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/inputs/proc/parsers.h"

namespace hivewatch {
namespace {

constexpr double kUserHz = 100;  // node_exporter (procfs) assumes USER_HZ = 100

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily f = Family(std::move(name), std::move(help), type);
  f.points.push_back({{}, value});
  return f;
}

// node_exporter's updateCPUStats: each field only moves forward; idle falling back by
// kJumpBackTicks or more means the cpu was replugged, so its history is dropped.
CpuTicks MonotoneCpuTicks(const std::map<std::string, CpuTicks>& last, const CpuTicks& fresh) {
  constexpr uint64_t kJumpBackTicks = 3 * 100;  // 3 seconds
  auto it = last.find(fresh.cpu);
  if (it == last.end()) return fresh;
  CpuTicks prev = it->second;
  if (prev.idle >= fresh.idle + kJumpBackTicks) {
    spdlog::debug("proc: cpu {} idle jumped back from {} to {} ticks, resetting", fresh.cpu,
                  prev.idle, fresh.idle);
    return fresh;
  }
  CpuTicks out = fresh;
  uint64_t CpuTicks::*fields[] = {&CpuTicks::user,      &CpuTicks::nice,   &CpuTicks::system,
                                  &CpuTicks::idle,      &CpuTicks::iowait, &CpuTicks::irq,
                                  &CpuTicks::softirq,   &CpuTicks::steal,  &CpuTicks::guest,
                                  &CpuTicks::guest_nice};
  for (auto field : fields) out.*field = std::max(prev.*field, fresh.*field);
  return out;
}

}  // namespace

ProcInput::ProcInput(ProcOptions options)
    : options_(std::move(options)),
      prober_(options_.statfs, std::chrono::milliseconds(options_.statvfs_timeout_ms)) {}

ProcInput::~ProcInput() {
  if (net_dir_) ::closedir(net_dir_);
}

bool ProcInput::WaitForHelpers(std::chrono::milliseconds timeout) const {
  return prober_.WaitIdle(timeout);
}

Result<std::string_view> ProcInput::Read(ProcFile& file) {
  Result<std::string_view> data = file.Read();
  if (!data.ok() && data.status().code() != StatusCode::kNotFound &&
      logged_failures_.insert(file.path()).second) {
    spdlog::debug("proc: cannot read {} (logged once): {}", file.path(), data.status().message());
  }
  return data;
}

Result<std::string_view> ProcInput::ReadProc(std::string_view rel) {
  auto it = proc_files_.find(rel);
  if (it == proc_files_.end()) {
    it = proc_files_
             .emplace(std::piecewise_construct, std::forward_as_tuple(rel),
                      std::forward_as_tuple(options_.proc_root + "/" + std::string(rel)))
             .first;
  }
  return Read(it->second);
}

Status ProcInput::Collect(std::vector<MetricFamily>* out) {
  const size_t before = out->size();
  CollectStat(out);
  CollectMeminfo(out);
  CollectVmstat(out);
  CollectLoadavg(out);
  CollectPressure(out);
  CollectDiskstats(out);
  CollectFilesystems(out);
  CollectNetwork(out);
  double now =
      options_.now_seconds
          ? options_.now_seconds()
          : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  // node_time_seconds alone is not a useful collection.
  if (out->size() == before) {
    return Unavailable("proc: nothing readable under " + options_.proc_root);
  }
  out->push_back(Single("node_time_seconds", "System time in seconds since epoch (1970).",
                        MetricType::kGauge, now));
  return Status::Ok();
}

void ProcInput::CollectStat(std::vector<MetricFamily>* out) {
  auto text = ReadProc("stat");
  if (!text.ok()) return;
  auto stat = ParseProcStat(*text);
  if (!stat.ok()) {
    if (logged_failures_.insert("parse:stat").second) {
      spdlog::debug("proc: {}", stat.status().message());
    }
    return;
  }
  // node_exporter's cpu collector: guest time is already counted in user/nice, so it is a
  // separate family and not a mode of node_cpu_seconds_total.
  MetricFamily cpu = Family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                            MetricType::kCounter);
  MetricFamily guest =
      Family("node_cpu_guest_seconds_total",
             "Seconds the CPUs spent in guests (VMs) for each mode.", MetricType::kCounter);
  std::map<std::string, CpuTicks> seen;
  for (const CpuTicks& fresh : stat->cpus) {
    const CpuTicks& c = seen[fresh.cpu] = MonotoneCpuTicks(last_cpu_, fresh);
    const std::pair<const char*, uint64_t> modes[] = {
        {"idle", c.idle},       {"iowait", c.iowait}, {"irq", c.irq},       {"nice", c.nice},
        {"softirq", c.softirq}, {"steal", c.steal},   {"system", c.system}, {"user", c.user}};
    for (const auto& [mode, ticks] : modes) {
      cpu.points.push_back({{{"cpu", c.cpu}, {"mode", mode}}, ticks / kUserHz});
    }
    guest.points.push_back({{{"cpu", c.cpu}, {"mode", "nice"}}, c.guest_nice / kUserHz});
    guest.points.push_back({{{"cpu", c.cpu}, {"mode", "user"}}, c.guest / kUserHz});
  }
  last_cpu_ = std::move(seen);  // drops cpus that went offline
  out->push_back(std::move(cpu));
  out->push_back(std::move(guest));
  out->push_back(Single("node_intr_total", "Total number of interrupts serviced.",
                        MetricType::kCounter, static_cast<double>(stat->intr)));
  out->push_back(Single("node_context_switches_total", "Total number of context switches.",
                        MetricType::kCounter, static_cast<double>(stat->ctxt)));
  out->push_back(Single("node_forks_total", "Total number of forks.", MetricType::kCounter,
                        static_cast<double>(stat->processes)));
  out->push_back(Single("node_boot_time_seconds", "Node boot time, in unixtime.",
                        MetricType::kGauge, static_cast<double>(stat->btime)));
  out->push_back(Single("node_procs_running", "Number of processes in runnable state.",
                        MetricType::kGauge, static_cast<double>(stat->procs_running)));
  out->push_back(Single("node_procs_blocked",
                        "Number of processes blocked waiting for I/O to complete.",
                        MetricType::kGauge, static_cast<double>(stat->procs_blocked)));
}

void ProcInput::CollectMeminfo(std::vector<MetricFamily>* out) {
  auto text = ReadProc("meminfo");
  if (!text.ok()) return;
  auto fields = ParseMeminfo(*text);
  if (!fields.ok()) {
    if (logged_failures_.insert("parse:meminfo").second) {
      spdlog::debug("proc: {}", fields.status().message());
    }
    return;
  }
  for (const MeminfoField& f : *fields) {
    // node_exporter: a key ending in "_total" would be a counter; none does today.
    bool counter = f.key.size() > 6 && f.key.compare(f.key.size() - 6, 6, "_total") == 0;
    out->push_back(Single("node_memory_" + f.key, "Memory information field " + f.key + ".",
                          counter ? MetricType::kCounter : MetricType::kGauge, f.value));
  }
}

void ProcInput::CollectVmstat(std::vector<MetricFamily>* out) {
  auto text = ReadProc("vmstat");
  if (!text.ok()) return;
  auto fields = ParseVmstat(*text, IsDefaultVmstatField);
  if (!fields.ok()) {
    if (logged_failures_.insert("parse:vmstat").second) {
      spdlog::debug("proc: {}", fields.status().message());
    }
    return;
  }
  for (const auto& [name, value] : *fields) {
    // node_exporter exposes these as untyped. Of our two types, gauge keeps the exposition
    // free of promtool lint (a counter would need a _total suffix, changing the names);
    // rate() works on them either way.
    out->push_back(Single("node_vmstat_" + name, "/proc/vmstat information field " + name + ".",
                          MetricType::kGauge, value));
  }
}

void ProcInput::CollectLoadavg(std::vector<MetricFamily>* out) {
  auto text = ReadProc("loadavg");
  if (!text.ok()) return;
  auto load = ParseLoadavg(*text);
  if (!load.ok()) return;
  out->push_back(Single("node_load1", "1m load average.", MetricType::kGauge, load->load1));
  out->push_back(Single("node_load5", "5m load average.", MetricType::kGauge, load->load5));
  out->push_back(Single("node_load15", "15m load average.", MetricType::kGauge, load->load15));
}

void ProcInput::CollectPressure(std::vector<MetricFamily>* out) {
  struct Spec {
    const char* resource;
    bool full;
    const char* name;
    const char* help;
  };
  static const Spec kSpecs[] = {
      {"cpu", false, "node_pressure_cpu_waiting_seconds_total",
       "Total time in seconds that processes have waited for CPU time"},
      {"io", false, "node_pressure_io_waiting_seconds_total",
       "Total time in seconds that processes have waited due to IO congestion"},
      {"io", true, "node_pressure_io_stalled_seconds_total",
       "Total time in seconds no process could make progress due to IO congestion"},
      {"memory", false, "node_pressure_memory_waiting_seconds_total",
       "Total time in seconds that processes have waited for memory"},
      {"memory", true, "node_pressure_memory_stalled_seconds_total",
       "Total time in seconds no process could make progress due to memory congestion"},
  };
  std::map<std::string, Result<PressureStats>> parsed;
  for (const Spec& spec : kSpecs) {
    auto it = parsed.find(spec.resource);
    if (it == parsed.end()) {
      auto text = ReadProc(std::string("pressure/") + spec.resource);
      Result<PressureStats> ps =
          text.ok() ? ParsePressure(*text) : Result<PressureStats>(text.status());
      it = parsed.emplace(spec.resource, std::move(ps)).first;
    }
    if (!it->second.ok()) continue;
    const PressureStats& ps = *it->second;
    if (spec.full ? !ps.has_full : !ps.has_some) continue;
    double us = static_cast<double>(spec.full ? ps.full_total_us : ps.some_total_us);
    out->push_back(Single(spec.name, spec.help, MetricType::kCounter, us / 1e6));
  }
}

void ProcInput::CollectDiskstats(std::vector<MetricFamily>* out) {
  auto text = ReadProc("diskstats");
  if (!text.ok()) return;
  auto disks = ParseDiskstats(*text);
  if (!disks.ok()) {
    if (logged_failures_.insert("parse:diskstats").second) {
      spdlog::debug("proc: {}", disks.status().message());
    }
    return;
  }
  struct Spec {
    const char* name;
    const char* help;
    MetricType type;
    double (*value)(const DiskStats&);
  };
  static const Spec kSpecs[] = {
      {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
       MetricType::kCounter, [](const DiskStats& d) { return double(d.reads_completed); }},
      {"node_disk_reads_merged_total", "The total number of reads merged.", MetricType::kCounter,
       [](const DiskStats& d) { return double(d.reads_merged); }},
      {"node_disk_read_bytes_total", "The total number of bytes read successfully.",
       MetricType::kCounter, [](const DiskStats& d) { return double(d.sectors_read) * 512; }},
      {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
       MetricType::kCounter, [](const DiskStats& d) { return d.read_time_ms * 0.001; }},
      {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
       MetricType::kCounter, [](const DiskStats& d) { return double(d.writes_completed); }},
      {"node_disk_writes_merged_total", "The number of writes merged.", MetricType::kCounter,
       [](const DiskStats& d) { return double(d.writes_merged); }},
      {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
       MetricType::kCounter, [](const DiskStats& d) { return double(d.sectors_written) * 512; }},
      {"node_disk_write_time_seconds_total",
       "This is the total number of seconds spent by all writes.", MetricType::kCounter,
       [](const DiskStats& d) { return d.write_time_ms * 0.001; }},
      {"node_disk_io_now", "The number of I/Os currently in progress.", MetricType::kGauge,
       [](const DiskStats& d) { return double(d.io_now); }},
      {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MetricType::kCounter,
       [](const DiskStats& d) { return d.io_time_ms * 0.001; }},
      {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
       MetricType::kCounter, [](const DiskStats& d) { return d.io_time_weighted_ms * 0.001; }},
  };
  for (const Spec& spec : kSpecs) {
    MetricFamily f = Family(spec.name, spec.help, spec.type);
    for (const DiskStats& d : *disks) {
      if (IsDefaultExcludedDisk(d.device)) continue;
      f.points.push_back({{{"device", d.device}}, spec.value(d)});
    }
    out->push_back(std::move(f));
  }
}

void ProcInput::CollectFilesystems(std::vector<MetricFamily>* out) {
  // PID 1's mounts, as node_exporter reads them: the agent's own (/proc/mounts) differ under
  // systemd's sandboxing (ProtectSystem=strict shows every mount read-only, PrivateTmp adds its
  // own). /proc/mounts where PID 1's cannot be read (a container, ProtectProc=invisible).
  auto text = ReadProc("1/mounts");
  if (!text.ok()) text = ReadProc("mounts");
  if (!text.ok()) return;
  auto mounts = ParseMounts(*text);
  if (!mounts.ok()) {
    if (logged_failures_.insert("parse:mounts").second) {
      spdlog::debug("proc: {}", mounts.status().message());
    }
    return;
  }
  // One series per (device, mountpoint, fstype), as node_exporter's `seen` map.
  std::vector<const MountEntry*> kept;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const MountEntry& m : *mounts) {
    if (IsDefaultExcludedMountPoint(m.mount_point) || IsDefaultExcludedFsType(m.fs_type)) continue;
    if (!seen.emplace(m.device, m.mount_point, m.fs_type).second) continue;
    kept.push_back(&m);
  }
  std::vector<std::string> paths;
  paths.reserve(kept.size());
  for (const MountEntry* m : kept) paths.push_back(options_.rootfs_prefix + m->mount_point);
  std::vector<Result<FsStats>> stats = prober_.ProbeAll(paths);

  MetricFamily size =
      Family("node_filesystem_size_bytes", "Filesystem size in bytes.", MetricType::kGauge);
  MetricFamily free =
      Family("node_filesystem_free_bytes", "Filesystem free space in bytes.", MetricType::kGauge);
  MetricFamily avail =
      Family("node_filesystem_avail_bytes",
             "Filesystem space available to non-root users in bytes.", MetricType::kGauge);
  MetricFamily files =
      Family("node_filesystem_files", "Filesystem total file nodes.", MetricType::kGauge);
  MetricFamily files_free =
      Family("node_filesystem_files_free", "Filesystem total free file nodes.", MetricType::kGauge);
  MetricFamily readonly =
      Family("node_filesystem_readonly", "Filesystem read-only status.", MetricType::kGauge);
  MetricFamily device_error =
      Family("node_filesystem_device_error",
             "Whether an error occurred while getting statistics for the given device.",
             MetricType::kGauge);
  for (size_t i = 0; i < kept.size(); ++i) {
    const MountEntry& m = *kept[i];
    Labels labels{{"device", m.device}, {"fstype", m.fs_type}, {"mountpoint", m.mount_point}};
    if (!stats[i].ok()) {
      // As node_exporter: only device_error for a mount that could not be read.
      if (logged_failures_.insert("statfs:" + m.mount_point).second) {
        spdlog::debug("proc: {}", stats[i].status().message());
      }
      device_error.points.push_back({labels, 1});
      continue;
    }
    const FsStats& s = *stats[i];
    device_error.points.push_back({labels, 0});
    size.points.push_back({labels, s.size_bytes});
    free.points.push_back({labels, s.free_bytes});
    avail.points.push_back({labels, s.avail_bytes});
    files.points.push_back({labels, s.files});
    files_free.points.push_back({labels, s.files_free});
    readonly.points.push_back({labels, m.ReadOnly() ? 1.0 : 0.0});
  }
  for (MetricFamily* f : {&size, &free, &avail, &files, &files_free, &readonly, &device_error}) {
    out->push_back(std::move(*f));
  }
}

void ProcInput::CollectNetwork(std::vector<MetricFamily>* out) {
  auto text = ReadProc("net/dev");
  if (text.ok()) {
    auto devs = ParseNetDev(*text);
    if (devs.ok()) {
      for (size_t i = 0; i < kNetDevFields.size(); ++i) {
        std::string key = kNetDevFields[i];
        MetricFamily f = Family("node_network_" + key + "_total",
                                "Network device statistic " + key + ".", MetricType::kCounter);
        for (const NetDevStats& d : *devs) {
          f.points.push_back({{{"device", d.device}}, static_cast<double>(d.values[i])});
        }
        out->push_back(std::move(f));
      }
    } else if (logged_failures_.insert("parse:net/dev").second) {
      spdlog::debug("proc: {}", devs.status().message());
    }
  }

  // node_exporter's netclass collector: one point per /sys/class/net entry.
  std::vector<std::string> devices = ListNetDevices();
  if (devices.empty()) {
    operstate_.clear();
    return;
  }
  MetricFamily up = Family("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
                           MetricType::kGauge);
  // The files of interfaces that went away are closed here.
  std::map<std::string, std::unique_ptr<ProcFile>> kept;
  for (const std::string& dev : devices) {
    std::unique_ptr<ProcFile>& file = kept[dev];
    if (auto it = operstate_.find(dev); it != operstate_.end()) {
      file = std::move(it->second);
    } else {
      file = std::make_unique<ProcFile>(options_.sys_root + "/class/net/" + dev + "/operstate");
    }
    auto state = Read(*file);
    if (!state.ok()) continue;
    std::string_view s = *state;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    up.points.push_back({{{"device", dev}}, s == "up" ? 1.0 : 0.0});
  }
  operstate_ = std::move(kept);
  if (!up.points.empty()) out->push_back(std::move(up));
}

std::vector<std::string> ProcInput::ListNetDevices() {
  std::vector<std::string> devices;
  if (net_dir_) {
    ::rewinddir(net_dir_);  // sysfs lists the current interfaces again
  } else {
    net_dir_ = ::opendir((options_.sys_root + "/class/net").c_str());
    if (!net_dir_) return devices;
  }
  while (const dirent* entry = ::readdir(net_dir_)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") devices.emplace_back(name);
  }
  struct statfs fs {};
  if (::fstatfs(::dirfd(net_dir_), &fs) != 0 || fs.f_type != SYSFS_MAGIC) {
    ::closedir(net_dir_);  // elsewhere (a fixture tree): listed afresh each time
    net_dir_ = nullptr;
  }
  std::sort(devices.begin(), devices.end());
  return devices;
}

}  // namespace hivewatch
