#include "agent/inputs/proc/proc_input.h"

#include <stdlib.h>
#include <sys/statvfs.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace hivewatch {
namespace {

std::string CaseRoot(const std::string& name) {
  return std::string(HIVEWATCH_TEST_DATA) + "/proc/" + name;
}

ProcOptions FixtureOptions(const std::string& name) {
  ProcOptions o;
  o.proc_root = CaseRoot(name) + "/proc";
  o.sys_root = CaseRoot(name) + "/sys";
  o.now_seconds = [] { return 1700000123.5; };
  o.statfs = [](const std::string&) -> Result<FsStats> { return FsStats{1000, 400, 300, 50, 20}; };
  return o;
}

const MetricFamily* Find(const std::vector<MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams)
    if (f.name == name) return &f;
  return nullptr;
}

const MetricPoint* Point(const MetricFamily* f, const Labels& labels) {
  if (!f) return nullptr;
  for (const auto& p : f->points)
    if (p.labels == labels) return &p;
  return nullptr;
}

std::set<std::string> LabelValues(const MetricFamily* f, const std::string& key) {
  std::set<std::string> out;
  if (f)
    for (const auto& p : f->points) out.insert(p.labels.at(key));
  return out;
}

std::vector<MetricFamily> CollectOk(ProcInput& input) {
  std::vector<MetricFamily> fams;
  Status s = input.Collect(&fams);
  REQUIRE(s.ok());
  return fams;
}

TEST_CASE("ProcInput on the hand-made tree applies node_exporter's names, types and exclusions",
          "[proc]") {
  ProcInput input(FixtureOptions("exclusions"));
  CHECK(std::string(input.Name()) == "proc");
  auto fams = CollectOk(input);

  std::set<std::string> names;
  for (const auto& f : fams) {
    INFO(f.name);
    CHECK(names.insert(f.name).second);  // each family once
    CHECK_FALSE(f.help.empty());
  }

  const MetricFamily* cpu = Find(fams, "node_cpu_seconds_total");
  REQUIRE(cpu);
  CHECK(cpu->type == MetricType::kCounter);
  CHECK(cpu->help == "Seconds the CPUs spent in each mode.");
  CHECK(cpu->points.size() == 16);
  CHECK(LabelValues(cpu, "mode") == std::set<std::string>{"idle", "iowait", "irq", "nice",
                                                          "softirq", "steal", "system", "user"});
  CHECK(LabelValues(cpu, "cpu") == std::set<std::string>{"0", "1"});
  REQUIRE(Point(cpu, {{"cpu", "0"}, {"mode", "user"}}));
  CHECK(Point(cpu, {{"cpu", "0"}, {"mode", "user"}})->value == Approx(1.5));
  CHECK(Point(cpu, {{"cpu", "1"}, {"mode", "idle"}})->value == Approx(25.0));
  const MetricFamily* guest = Find(fams, "node_cpu_guest_seconds_total");
  REQUIRE(Point(guest, {{"cpu", "0"}, {"mode", "user"}}));
  CHECK(Point(guest, {{"cpu", "0"}, {"mode", "user"}})->value == Approx(0.2));

  auto single = [&](const std::string& name, MetricType type) {
    const MetricFamily* f = Find(fams, name);
    INFO(name);
    REQUIRE(f);
    CHECK(f->type == type);
    REQUIRE(f->points.size() == 1);
    CHECK(f->points[0].labels.empty());
    return f->points[0].value;
  };
  CHECK(single("node_intr_total", MetricType::kCounter) == 12345);
  CHECK(single("node_context_switches_total", MetricType::kCounter) == 67890);
  CHECK(single("node_forks_total", MetricType::kCounter) == 4242);
  CHECK(single("node_boot_time_seconds", MetricType::kGauge) == 1700000000);
  CHECK(single("node_procs_running", MetricType::kGauge) == 3);
  CHECK(single("node_procs_blocked", MetricType::kGauge) == 1);
  CHECK(single("node_time_seconds", MetricType::kGauge) == 1700000123.5);
  CHECK(single("node_memory_MemTotal_bytes", MetricType::kGauge) == 2048000.0 * 1024);
  CHECK(single("node_memory_Active_anon_bytes", MetricType::kGauge) == 1604.0 * 1024);
  CHECK(single("node_memory_HugePages_Total", MetricType::kGauge) == 4);
  CHECK(Find(fams, "node_memory_MemTotal_bytes")->help ==
        "Memory information field MemTotal_bytes.");
  CHECK(single("node_vmstat_pgmajfault", MetricType::kGauge) == 60);
  CHECK(single("node_vmstat_oom_kill", MetricType::kGauge) == 1);
  CHECK(Find(fams, "node_vmstat_pgfault")->help == "/proc/vmstat information field pgfault.");
  CHECK(Find(fams, "node_vmstat_nr_free_pages") == nullptr);
  CHECK(Find(fams, "node_vmstat_pgsteal_kswapd") == nullptr);
  CHECK(single("node_load1", MetricType::kGauge) == 0.5);
  CHECK(single("node_load15", MetricType::kGauge) == 0.1);
  // No pressure directory in this tree: skipped without error.
  for (const auto& f : fams) CHECK(f.name.rfind("node_pressure_", 0) == std::string::npos);

  const MetricFamily* reads = Find(fams, "node_disk_read_bytes_total");
  CHECK(LabelValues(reads, "device") == std::set<std::string>{"sda", "nvme0n1", "dm-0", "sr0"});
  CHECK(Point(reads, {{"device", "sda"}})->value == 40000.0 * 512);
  CHECK(Point(Find(fams, "node_disk_read_time_seconds_total"), {{"device", "sda"}})->value ==
        Approx(1.5));
  CHECK(Point(Find(fams, "node_disk_io_now"), {{"device", "sda"}})->value == 2);
  CHECK(Find(fams, "node_disk_io_now")->type == MetricType::kGauge);
  CHECK(Point(Find(fams, "node_disk_io_time_weighted_seconds_total"), {{"device", "sda"}})->value ==
        Approx(4.0));
  CHECK(Point(Find(fams, "node_disk_written_bytes_total"), {{"device", "dm-0"}})->value ==
        24.0 * 512);

  const MetricFamily* rx = Find(fams, "node_network_receive_bytes_total");
  REQUIRE(rx);
  CHECK(rx->help == "Network device statistic receive_bytes.");
  CHECK(Point(rx, {{"device", "eth0"}})->value == 123456789);
  CHECK(Point(Find(fams, "node_network_transmit_drop_total"), {{"device", "eth0"}})->value == 8);
  CHECK(LabelValues(rx, "device") == std::set<std::string>{"lo", "eth0"});
  const MetricFamily* up = Find(fams, "node_network_up");
  CHECK(Point(up, {{"device", "eth0"}})->value == 1);
  CHECK(Point(up, {{"device", "lo"}})->value == 0);

  const MetricFamily* size = Find(fams, "node_filesystem_size_bytes");
  CHECK(LabelValues(size, "mountpoint") ==
        std::set<std::string>{"/", "/run", "/data", "/mnt/my disk", "/mnt/nfs"});
  CHECK(size->points.size() == 5);  // the duplicated "/" line is reported once
  Labels data{{"device", "/dev/sdb1"}, {"fstype", "xfs"}, {"mountpoint", "/data"}};
  Labels root{{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", "/"}};
  CHECK(Point(Find(fams, "node_filesystem_readonly"), data)->value == 1);
  CHECK(Point(Find(fams, "node_filesystem_readonly"), root)->value == 0);
  CHECK(Point(Find(fams, "node_filesystem_avail_bytes"), root)->value == 300);
  CHECK(Point(Find(fams, "node_filesystem_files_free"), root)->value == 20);
  CHECK(Point(Find(fams, "node_filesystem_device_error"), root)->value == 0);
}

TEST_CASE("ProcInput on a real machine's files reports pressure, disks and filesystems", "[proc]") {
  ProcInput input(FixtureOptions("debian12_vm"));
  auto fams = CollectOk(input);
  auto value = [&](const std::string& name, const Labels& labels = {}) {
    const MetricPoint* p = Point(Find(fams, name), labels);
    INFO(name);
    REQUIRE(p);
    return p->value;
  };
  CHECK(value("node_pressure_cpu_waiting_seconds_total") == Approx(637.569705));
  CHECK(value("node_pressure_io_waiting_seconds_total") == Approx(57.594472));
  CHECK(value("node_pressure_io_stalled_seconds_total") == Approx(44.610698));
  CHECK(value("node_pressure_memory_waiting_seconds_total") == 0);
  CHECK(value("node_pressure_memory_stalled_seconds_total") == 0);
  CHECK(Find(fams, "node_pressure_cpu_waiting_seconds_total")->help ==
        "Total time in seconds that processes have waited for CPU time");
  CHECK(value("node_memory_MemTotal_bytes") == 24683620.0 * 1024);
  CHECK(value("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "system"}}) == Approx(434.42));
  CHECK(LabelValues(Find(fams, "node_disk_reads_completed_total"), "device") ==
        std::set<std::string>{"vda", "zram0"});
  CHECK(value("node_disk_reads_completed_total", {{"device", "vda"}}) == 158307);
  CHECK(value("node_disk_written_bytes_total", {{"device", "vda"}}) == 105226176.0 * 512);
  CHECK(LabelValues(Find(fams, "node_filesystem_size_bytes"), "mountpoint") ==
        std::set<std::string>{"/"});
  CHECK(LabelValues(Find(fams, "node_network_up"), "device") ==
        std::set<std::string>{"eth0", "ifb0", "ifb1", "lo"});
  CHECK(value("node_network_up", {{"device", "eth0"}}) == 1);
  CHECK(value("node_network_receive_packets_total", {{"device", "eth0"}}) == 1592);
}

TEST_CASE("ProcInput fails only when nothing under proc_root is readable", "[proc]") {
  ProcOptions o;
  o.proc_root = CaseRoot("does-not-exist");
  o.sys_root = CaseRoot("does-not-exist");
  ProcInput input(o);
  std::vector<MetricFamily> fams;
  CHECK_FALSE(input.Collect(&fams).ok());
  CHECK(fams.empty());
}

// A statfs that hangs for one path until the test releases it, like a dead NFS server.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::map<std::string, int> calls;
};

TEST_CASE(
    "a hung statvfs is bounded by the deadline, reported as device_error and not retried "
    "until it answers",
    "[proc]") {
  auto gate = std::make_shared<Gate>();
  ProcOptions o = FixtureOptions("exclusions");
  o.rootfs_prefix = "/host";
  o.statvfs_timeout_ms = 300;
  o.statfs = [gate](const std::string& path) -> Result<FsStats> {
    std::unique_lock<std::mutex> lock(gate->mu);
    ++gate->calls[path];
    if (path == "/host/mnt/nfs") gate->cv.wait(lock, [&] { return gate->released; });
    return FsStats{1000, 400, 300, 50, 20};
  };
  ProcInput input(o);
  Labels nfs{{"device", "nfs.example:/export"}, {"fstype", "nfs4"}, {"mountpoint", "/mnt/nfs"}};
  Labels root{{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", "/"}};

  auto start = std::chrono::steady_clock::now();
  auto fams = CollectOk(input);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(290));
  CHECK(elapsed < std::chrono::milliseconds(300 + 2000));
  CHECK(Point(Find(fams, "node_filesystem_device_error"), nfs)->value == 1);
  CHECK(Point(Find(fams, "node_filesystem_size_bytes"), nfs) == nullptr);
  CHECK(Point(Find(fams, "node_filesystem_device_error"), root)->value == 0);
  CHECK(Point(Find(fams, "node_filesystem_size_bytes"), root)->value == 1000);
  // The rest of the collection is complete.
  CHECK(Find(fams, "node_cpu_seconds_total"));
  CHECK(Find(fams, "node_network_up"));

  // Still hung: reported again without a second call into the stuck mount.
  fams = CollectOk(input);
  CHECK(Point(Find(fams, "node_filesystem_device_error"), nfs)->value == 1);
  {
    std::lock_guard<std::mutex> lock(gate->mu);
    CHECK(gate->calls["/host/mnt/nfs"] == 1);
    CHECK(gate->calls["/host/"] == 2);
    gate->released = true;
  }
  gate->cv.notify_all();
  REQUIRE(input.WaitForHelpers(std::chrono::seconds(10)));

  // Answered: probed again and reported normally.
  fams = CollectOk(input);
  CHECK(Point(Find(fams, "node_filesystem_device_error"), nfs)->value == 0);
  CHECK(Point(Find(fams, "node_filesystem_size_bytes"), nfs)->value == 1000);
  std::lock_guard<std::mutex> lock(gate->mu);
  CHECK(gate->calls["/host/mnt/nfs"] == 2);
}

TEST_CASE("filesystems come from PID 1's mounts when they can be read, else from /proc/mounts",
          "[proc]") {
  char tmpl[] = "/tmp/hivewatch-proc-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir(tmpl);
  std::filesystem::copy(CaseRoot("exclusions") + "/proc", dir / "proc",
                        std::filesystem::copy_options::recursive);
  ProcOptions o = FixtureOptions("exclusions");
  o.proc_root = (dir / "proc").string();
  const Labels data{{"device", "/dev/sdz1"}, {"fstype", "ext4"}, {"mountpoint", "/data"}};
  {
    ProcInput input(o);  // no 1/mounts: the fixture's mounts
    CHECK(Point(Find(CollectOk(input), "node_filesystem_readonly"), data) == nullptr);
  }
  std::filesystem::create_directories(dir / "proc/1");
  std::ofstream(dir / "proc/1/mounts") << "/dev/sdz1 /data ext4 rw,relatime 0 0\n";
  ProcInput input(o);
  const auto fams = CollectOk(input);
  CHECK(LabelValues(Find(fams, "node_filesystem_readonly"), "mountpoint") ==
        std::set<std::string>{"/data"});
  CHECK(Point(Find(fams, "node_filesystem_readonly"), data)->value == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rootfs_prefix is used for statvfs but not for the mountpoint label", "[proc]") {
  char tmpl[] = "/tmp/hivewatch-proc-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir(tmpl);
  for (const char* sub : {"run", "data", "mnt/my disk", "mnt/nfs"}) {
    std::filesystem::create_directories(dir / sub);
  }
  ProcOptions o = FixtureOptions("exclusions");
  o.statfs = nullptr;  // the real ::statvfs
  o.rootfs_prefix = dir.string();
  ProcInput input(o);
  auto fams = CollectOk(input);
  struct statvfs expected;
  REQUIRE(::statvfs(dir.c_str(), &expected) == 0);
  Labels spaced{{"device", "/dev/sdc1"}, {"fstype", "ext4"}, {"mountpoint", "/mnt/my disk"}};
  CHECK(Point(Find(fams, "node_filesystem_device_error"), spaced)->value == 0);
  CHECK(Point(Find(fams, "node_filesystem_size_bytes"), spaced)->value ==
        static_cast<double>(expected.f_blocks) * expected.f_bsize);
  CHECK(Point(Find(fams, "node_filesystem_files"), spaced)->value ==
        static_cast<double>(expected.f_files));
  std::filesystem::remove_all(dir);
  // The directories are gone: statvfs fails and the mount reports device_error 1.
  fams = CollectOk(input);
  CHECK(Point(Find(fams, "node_filesystem_device_error"), spaced)->value == 1);
}

TEST_CASE("on this machine MemTotal matches /proc/meminfo and cpu counters never go back",
          "[proc]") {
  ProcInput input(ProcOptions{});
  auto first = CollectOk(input);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  REQUIRE(meminfo >> key >> kb);
  REQUIRE(key == "MemTotal:");
  const MetricPoint* total = Point(Find(first, "node_memory_MemTotal_bytes"), {});
  REQUIRE(total);
  CHECK(total->value == kb * 1024);

  auto second = CollectOk(input);
  const MetricFamily* a = Find(first, "node_cpu_seconds_total");
  const MetricFamily* b = Find(second, "node_cpu_seconds_total");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->points.size() == b->points.size());
  CHECK(a->points.size() % 8 == 0);
  for (const auto& p : a->points) {
    const MetricPoint* q = Point(b, p.labels);
    REQUIRE(q);
    CHECK(q->value >= p.value);
  }
  const MetricPoint* now = Point(Find(second, "node_time_seconds"), {});
  REQUIRE(now);
  CHECK(now->value > 1.6e9);
}

}  // namespace
}  // namespace hivewatch

namespace hivewatch {
namespace {

void WriteStat(const std::filesystem::path& proc, const std::string& cpu0) {
  std::ofstream(proc / "stat") << "cpu  0 0 0 0 0 0 0 0 0 0\n" << cpu0 << "\nctxt 1\nbtime 2\n";
}

TEST_CASE("cpu counters stay monotone when iowait steps back, and reset on a hotplug jump",
          "[proc]") {
  char tmpl[] = "/tmp/hivewatch-proc-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path proc(tmpl);
  ProcOptions o;
  o.proc_root = proc.string();
  o.sys_root = proc.string();
  ProcInput input(o);
  auto seconds = [&](const std::string& mode) {
    auto fams = CollectOk(input);
    const MetricPoint* p =
        Point(Find(fams, "node_cpu_seconds_total"), {{"cpu", "0"}, {"mode", mode}});
    REQUIRE(p);
    return p->value;
  };
  WriteStat(proc, "cpu0 100 0 100 100000 500 0 0 0 0 0");
  CHECK(seconds("iowait") == Approx(5.0));
  WriteStat(proc, "cpu0 110 0 100 100100 490 0 0 0 0 0");  // iowait stepped back
  CHECK(seconds("iowait") == Approx(5.0));
  WriteStat(proc, "cpu0 120 0 100 100200 520 0 0 0 0 0");
  CHECK(seconds("iowait") == Approx(5.2));
  WriteStat(proc, "cpu0 1 0 1 10 1 0 0 0 0 0");  // idle fell by far more than 3s: replugged
  CHECK(seconds("idle") == Approx(0.1));
  std::filesystem::remove_all(proc);
}

}  // namespace
}  // namespace hivewatch

namespace hivewatch {
namespace {

TEST_CASE("interfaces that appear or go away between collections are reported as they are now",
          "[proc]") {
  char tmpl[] = "/tmp/hivewatch-proc-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path sys(tmpl);
  auto add = [&](const std::string& dev, const std::string& state) {
    std::filesystem::create_directories(sys / "class/net" / dev);
    std::ofstream(sys / "class/net" / dev / "operstate") << state << "\n";
  };
  add("eth0", "up");
  add("lo", "unknown");
  ProcOptions o = FixtureOptions("exclusions");
  o.sys_root = sys.string();
  ProcInput input(o);
  auto fams = CollectOk(input);
  CHECK(LabelValues(Find(fams, "node_network_up"), "device") ==
        std::set<std::string>{"eth0", "lo"});
  CHECK(Point(Find(fams, "node_network_up"), {{"device", "eth0"}})->value == 1);

  std::filesystem::remove_all(sys / "class/net/eth0");
  add("wlan0", "down");
  add("lo", "up");
  fams = CollectOk(input);
  CHECK(LabelValues(Find(fams, "node_network_up"), "device") ==
        std::set<std::string>{"lo", "wlan0"});
  CHECK(Point(Find(fams, "node_network_up"), {{"device", "lo"}})->value == 1);
  CHECK(Point(Find(fams, "node_network_up"), {{"device", "wlan0"}})->value == 0);
  std::filesystem::remove_all(sys);
}

}  // namespace
}  // namespace hivewatch
