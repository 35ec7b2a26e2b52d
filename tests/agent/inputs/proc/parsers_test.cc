#include "agent/inputs/proc/parsers.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace hivewatch {
namespace {

// Fixture files copied from a real Debian 12 VM (2 vCPUs) and a hand-made exclusions case.
std::string Fixture(const std::string& rel) {
  std::ifstream in(std::string(HIVEWATCH_TEST_DATA) + "/proc/" + rel);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("ParseProcStat reads per-cpu ticks and the global counters of a real /proc/stat",
          "[proc]") {
  auto stat = ParseProcStat(Fixture("debian12_vm/proc/stat"));
  REQUIRE(stat.ok());
  REQUIRE(stat->cpus.size() == 2);  // the aggregate "cpu" line is not kept
  const CpuTicks& c0 = stat->cpus[0];
  CHECK(c0.cpu == "0");
  CHECK(c0.user == 177640);
  CHECK(c0.nice == 0);
  CHECK(c0.system == 38222);
  CHECK(c0.idle == 173440);
  CHECK(c0.iowait == 2520);
  CHECK(c0.softirq == 1503);
  CHECK(stat->cpus[1].cpu == "1");
  CHECK(stat->cpus[1].user == 199412);
  CHECK(stat->intr == 2341725);
  CHECK(stat->ctxt == 3009527);
  CHECK(stat->btime == 1795445645);
  CHECK(stat->processes == 33513);
  CHECK(stat->procs_running == 5);
  CHECK(stat->procs_blocked == 0);
}

TEST_CASE("ParseProcStat keeps guest columns and rejects a malformed cpu line", "[proc]") {
  auto stat = ParseProcStat(Fixture("exclusions/proc/stat"));
  REQUIRE(stat.ok());
  CHECK(stat->cpus[0].guest == 20);
  CHECK(stat->cpus[0].guest_nice == 1);
  CHECK_FALSE(ParseProcStat("cpu0 1 2 x 4 5\n").ok());
  CHECK_FALSE(ParseProcStat("cpu0 1 2\n").ok());
}

TEST_CASE("ParseMeminfo renames fields as node_exporter and converts kB to bytes", "[proc]") {
  auto fields = ParseMeminfo(Fixture("debian12_vm/proc/meminfo"));
  REQUIRE(fields.ok());
  auto find = [&](const std::string& key) -> const MeminfoField* {
    for (const auto& f : *fields)
      if (f.key == key) return &f;
    return nullptr;
  };
  REQUIRE(find("MemTotal_bytes"));
  CHECK(find("MemTotal_bytes")->value == 24683620.0 * 1024);
  REQUIRE(find("Active_anon_bytes"));
  CHECK(find("Active_anon_bytes")->value == 1604.0 * 1024);
  REQUIRE(find("Inactive_file_bytes"));
  CHECK(find("Inactive_file_bytes")->value == 978800.0 * 1024);
  REQUIRE(find("HugePages_Total"));  // no unit: no _bytes, no scaling
  CHECK(find("HugePages_Total")->value == 0);
  REQUIRE(find("VmallocTotal_bytes"));
  CHECK(find("VmallocTotal_bytes")->value == 34359738367.0 * 1024);
  CHECK(find("Active(anon)_bytes") == nullptr);
  CHECK(fields->size() == 53);  // every line of the fixture
}

TEST_CASE("ParseVmstat reads every field and the default selection matches node_exporter's",
          "[proc]") {
  auto fields = ParseVmstat(Fixture("exclusions/proc/vmstat"));
  REQUIRE(fields.ok());
  REQUIRE(fields->size() == 10);
  CHECK(fields->front().first == "nr_free_pages");
  CHECK(fields->front().second == 128000);
  std::vector<std::string> selected;
  for (const auto& [name, value] : *fields)
    if (IsDefaultVmstatField(name)) selected.push_back(name);
  CHECK(selected == std::vector<std::string>{"pgpgin", "pgpgout", "pswpin", "pswpout", "pgfault",
                                             "pgmajfault", "oom_kill"});
  auto kept = ParseVmstat(Fixture("exclusions/proc/vmstat"), IsDefaultVmstatField);
  REQUIRE(kept.ok());
  std::vector<std::string> kept_names;
  for (const auto& [name, value] : *kept) kept_names.push_back(name);
  CHECK(kept_names == selected);
  CHECK_FALSE(ParseVmstat("pgfault 1\nnr_free_pages x\n", IsDefaultVmstatField).ok());
}

TEST_CASE("ParseLoadavg reads the three averages", "[proc]") {
  auto load = ParseLoadavg(Fixture("debian12_vm/proc/loadavg"));
  REQUIRE(load.ok());
  CHECK(load->load1 == 2.18);
  CHECK(load->load5 == 1.42);
  CHECK(load->load15 == 1.51);
  CHECK_FALSE(ParseLoadavg("garbage\n").ok());
}

TEST_CASE("ParsePressure reads some and full totals in microseconds", "[proc]") {
  auto io = ParsePressure(Fixture("debian12_vm/proc/pressure/io"));
  REQUIRE(io.ok());
  CHECK(io->has_some);
  CHECK(io->has_full);
  CHECK(io->some_total_us == 57594472);
  CHECK(io->full_total_us == 44610698);
  auto old_cpu = ParsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n");
  REQUIRE(old_cpu.ok());
  CHECK(old_cpu->has_some);
  CHECK_FALSE(old_cpu->has_full);
  CHECK_FALSE(ParsePressure("some avg10=0.00\n").ok());
}

TEST_CASE("ParseDiskstats reads the first eleven statistics of each device", "[proc]") {
  auto disks = ParseDiskstats(Fixture("debian12_vm/proc/diskstats"));
  REQUIRE(disks.ok());
  const DiskStats* vda = nullptr;
  for (const auto& d : *disks)
    if (d.device == "vda") vda = &d;
  REQUIRE(vda);
  CHECK(vda->reads_completed == 158307);
  CHECK(vda->reads_merged == 30184);
  CHECK(vda->sectors_read == 6219874);
  CHECK(vda->read_time_ms == 59427);
  CHECK(vda->writes_completed == 351409);
  CHECK(vda->writes_merged == 41073);
  CHECK(vda->sectors_written == 105226176);
  CHECK(vda->write_time_ms == 414599);
  CHECK(vda->io_now == 0);
  CHECK(vda->io_time_ms == 118280);
  CHECK(vda->io_time_weighted_ms == 533291);
  // Old kernels print exactly 11 statistics.
  auto old = ParseDiskstats(Fixture("exclusions/proc/diskstats"));
  REQUIRE(old.ok());
  CHECK(old->size() == 11);
}

TEST_CASE("the default disk exclusion drops partitions, loop, ram and fd devices", "[proc]") {
  for (const char* d : {"loop0", "ram0", "fd0", "sda1", "hdb3", "vdb2", "xvda1", "nvme0n1p1"}) {
    INFO(d);
    CHECK(IsDefaultExcludedDisk(d));
  }
  for (const char* d : {"sda", "vda", "xvda", "nvme0n1", "dm-0", "sr0", "zram0", "md127"}) {
    INFO(d);
    CHECK_FALSE(IsDefaultExcludedDisk(d));
  }
}

TEST_CASE("ParseNetDev reads receive and transmit counters per interface", "[proc]") {
  auto devs = ParseNetDev(Fixture("exclusions/proc/net/dev"));
  REQUIRE(devs.ok());
  REQUIRE(devs->size() == 2);
  CHECK((*devs)[0].device == "lo");
  const NetDevStats& eth0 = (*devs)[1];
  CHECK(eth0.device == "eth0");
  CHECK(eth0.values == std::array<uint64_t, 16>{123456789, 98765, 1, 2, 3, 4, 5, 6, 987654321,
                                                56789, 7, 8, 9, 10, 11, 12});
  auto real = ParseNetDev(Fixture("debian12_vm/proc/net/dev"));
  REQUIRE(real.ok());
  REQUIRE(real->size() == 4);
  CHECK((*real)[3].device == "eth0");
  CHECK((*real)[3].values[0] == 42737422);
  CHECK((*real)[3].values[9] == 1305);
}

TEST_CASE("ParseMounts decodes octal escapes and reads the ro option", "[proc]") {
  auto mounts = ParseMounts(Fixture("exclusions/proc/mounts"));
  REQUIRE(mounts.ok());
  REQUIRE(mounts->size() == 16);
  const MountEntry& spaced = (*mounts)[9];
  CHECK(spaced.device == "/dev/sdc1");
  CHECK(spaced.mount_point == "/mnt/my disk");
  CHECK(spaced.fs_type == "ext4");
  CHECK_FALSE(spaced.ReadOnly());
  CHECK((*mounts)[8].ReadOnly());  // /data ro
  // "errors=remount-ro" is not the ro option.
  CHECK_FALSE((*mounts)[6].ReadOnly());
}

TEST_CASE("the default filesystem exclusions match node_exporter's", "[proc]") {
  for (const char* m :
       {"/dev", "/dev/shm", "/proc", "/sys", "/sys/fs/cgroup", "/run/credentials/x.service",
        "/var/lib/docker/overlay2/a/merged", "/var/lib/containers/storage/overlay"}) {
    INFO(m);
    CHECK(IsDefaultExcludedMountPoint(m));
  }
  for (const char* m : {"/", "/run", "/device", "/var/lib/docker", "/home", "/run/credentials"}) {
    INFO(m);
    CHECK_FALSE(IsDefaultExcludedMountPoint(m));
  }
  for (const char* t : {"proc", "sysfs", "cgroup", "cgroup2", "overlay", "squashfs", "tracefs",
                        "devtmpfs", "nsfs", "autofs"}) {
    INFO(t);
    CHECK(IsDefaultExcludedFsType(t));
  }
  for (const char* t : {"ext4", "xfs", "tmpfs", "nfs4", "btrfs", "cgroup3"}) {
    INFO(t);
    CHECK_FALSE(IsDefaultExcludedFsType(t));
  }
}

}  // namespace
}  // namespace hivewatch

namespace hivewatch {
namespace {

// node_exporter 1.5's default expressions, which the hand-written matchers replace.
bool RegexSearch(const char* pattern, const std::string& s) {
  return std::regex_search(s, std::regex(pattern));
}

// Every a + b + c for the given pieces.
std::vector<std::string> Combine(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b,
                                 const std::vector<std::string>& c) {
  std::vector<std::string> out;
  for (const auto& x : a)
    for (const auto& y : b)
      for (const auto& z : c) out.push_back(x + y + z);
  return out;
}

TEST_CASE("the hand-written exclusion matchers agree with node_exporter's regular expressions",
          "[proc]") {
  for (const std::string& d :
       Combine({"", "ram", "loop", "fd", "hd", "sd", "vd", "xvd", "xd", "zd", "nvme", "nvme0",
                "nvme0n", "nvme0n1", "nvme12n3p", "sda", "dm-"},
               {"", "a", "z", "A", "0", "12", "n1", "p1", "1p2", "a1", "0n1p1", "1n", "\n"},
               {"", "0", "12", "x", "p"})) {
    INFO(d);
    CHECK(IsDefaultExcludedDisk(d) ==
          RegexSearch(R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)", d));
  }
  for (const std::string& m : Combine(
           {"", "/", "//", "x/", "/dev", "/proc", "/sys", "/run/credentials/", "/var/lib/docker/",
            "/var/lib/containers/storage/", "/run", "/run/credentials", "/var/lib/docker"},
           {"", "/", "x", "s", "ices", "\n", "\r", "\n/", "x\n", "x\r/"},
           {"", "/", "y", "/y", "\n", "y/\n"})) {
    INFO(m);
    CHECK(IsDefaultExcludedMountPoint(m) ==
          RegexSearch("^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|"
                      "var/lib/containers/storage/.+)($|/)",
                      m));
  }
  for (const std::string& t :
       Combine({"", "x", "cgroup", "proc", "sys"},
               {"", "2", "3", "fs", "autofs", "overlay", "tracefs", "binfmt_misc", "\n"},
               {"", "s", "\n"})) {
    INFO(t);
    CHECK(IsDefaultExcludedFsType(t) ==
          RegexSearch("^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|"
                      "fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|"
                      "rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$",
                      t));
  }
  for (const std::string& v : Combine({"", "x", "pg", "pgpg", "pswp", "oom_kill", "oom_kil", "nr_"},
                                      {"", "fault", "maj", "in", "\n", "\r", "faul", "_"},
                                      {"", "fault", "t", "\nfault"})) {
    INFO(v);
    CHECK(IsDefaultVmstatField(v) == RegexSearch("^(oom_kill|pgpg|pswp|pg.*fault).*", v));
  }
  // And every name in the real fixture trees.
  for (const char* tree : {"debian12_vm", "exclusions"}) {
    auto vmstat = ParseVmstat(Fixture(std::string(tree) + "/proc/vmstat"));
    REQUIRE(vmstat.ok());
    for (const auto& [name, value] : *vmstat) {
      INFO(name);
      CHECK(IsDefaultVmstatField(name) == RegexSearch("^(oom_kill|pgpg|pswp|pg.*fault).*", name));
    }
    auto disks = ParseDiskstats(Fixture(std::string(tree) + "/proc/diskstats"));
    REQUIRE(disks.ok());
    for (const DiskStats& d : *disks) {
      INFO(d.device);
      CHECK(IsDefaultExcludedDisk(d.device) ==
            RegexSearch(R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)", d.device));
    }
  }
}

}  // namespace
}  // namespace hivewatch
